;; Training kernels that run on tfjs-backend-wasm's own heap (the memory is imported, so no tensor is
;; copied). Each is the same arithmetic as its JavaScript twin in ../im2col.ts or ../batch-norm.math.ts,
;; in the same order, so the results are bit-identical. Pointers are byte offsets into the heap.
(module
  (import "env" "memory" (memory 1))

  ;; n float32 zeros at p (a loop: memory.fill costs a runtime call, too much for a few floats)
  (func $zero (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l4
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $p) (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l4)))
    (block $done1
      (loop $l1
        (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
        (f32.store (local.get $p) (f32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $l1))))

;; The transposed patch matrix of an NHWC input (im2colTransposed in ../im2col.ts): row
  ;; (kh·fw + kw)·cin + c, column (n·oh + i)·ow + j holds x[n, i·sh + kh − pt, j·sw + kw − pl, c],
  ;; 0 outside the image. Rows are written in groups of 4 channels (1 when cin is not a multiple of
  ;; 4), each group's rows front to back, so only 4 write streams are open at a time: writing all
  ;; cin rows of a tap together (the JavaScript order) thrashes the cache when a row's length is a
  ;; power of two (4×4 images × 64). 4 columns × 4 channels move as one 4×4 transpose.
  (func (export "im2colT")
    (param $x i32) (param $out i32) (param $batch i32) (param $ih i32) (param $iw i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32)
    (param $pt i32) (param $pl i32)
    (local $colBytes i32) (local $rowBytes i32) (local $imageBytes i32) (local $pixBytes i32)
    (local $kh i32) (local $kw i32) (local $tap i32) (local $n i32) (local $i i32) (local $j i32)
    (local $c i32) (local $y i32) (local $img i32) (local $row i32) (local $g i32)
    (local $jlo i32) (local $jhi i32) (local $src i32) (local $dst i32) (local $step i32) (local $k i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $colBytes (i32.shl (i32.mul (local.get $batch) (i32.mul (local.get $oh) (local.get $ow))) (i32.const 2)))
    (local.set $pixBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $iw) (local.get $pixBytes)))
    (local.set $imageBytes (i32.mul (local.get $ih) (local.get $rowBytes)))
    ;; bytes between the first pixels of neighbouring output columns
    (local.set $step (i32.mul (local.get $sw) (local.get $pixBytes)))
    ;; channels per group of rows
    (local.set $g (select (i32.const 4) (i32.const 1) (i32.eqz (i32.and (local.get $cin) (i32.const 3)))))
    (local.set $kh (i32.const 0))
    (loop $lkh
      (local.set $kw (i32.const 0))
      (loop $lkw
        ;; valid output columns: 0 ≤ j·sw + kw − pl < iw  ⇔  jlo ≤ j < jhi
        (local.set $jlo (i32.const 0))
        (if (i32.gt_s (local.get $pl) (local.get $kw))
          (then (local.set $jlo (i32.div_u (i32.sub (i32.add (i32.sub (local.get $pl) (local.get $kw)) (local.get $sw)) (i32.const 1)) (local.get $sw)))))
        (local.set $jhi (i32.const 0))
        (if (i32.gt_s (i32.add (local.get $iw) (i32.sub (local.get $pl) (local.get $kw))) (i32.const 0))
          (then (local.set $jhi (i32.div_u (i32.sub (i32.add (i32.add (local.get $iw) (i32.sub (local.get $pl) (local.get $kw))) (local.get $sw)) (i32.const 1)) (local.get $sw)))))
        (if (i32.gt_s (local.get $jhi) (local.get $ow)) (then (local.set $jhi (local.get $ow))))
        (if (i32.gt_s (local.get $jlo) (local.get $ow)) (then (local.set $jlo (local.get $ow))))
        (if (i32.lt_s (local.get $jhi) (local.get $jlo)) (then (local.set $jhi (local.get $jlo))))
        (local.set $c (i32.const 0))
        (loop $lc
          ;; first row of this channel group; $dst walks along it, the group's other rows follow at colBytes
          (local.set $dst (i32.add (local.get $out)
            (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $fw)) (local.get $kw)) (local.get $cin)) (local.get $c)) (local.get $colBytes))))
          (local.set $n (i32.const 0))
          (loop $ln
            (local.set $img (i32.add (i32.add (local.get $x) (i32.mul (local.get $n) (local.get $imageBytes))) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $i (i32.const 0))
            (loop $li
              (local.set $y (i32.sub (i32.add (i32.mul (local.get $i) (local.get $sh)) (local.get $kh)) (local.get $pt)))
              (if (i32.or (i32.lt_s (local.get $y) (i32.const 0)) (i32.ge_s (local.get $y) (local.get $ih)))
                (then
                  ;; the whole output row reads padding
                  (local.set $k (i32.const 0))
                  (loop $lz
                    (call $zero (i32.add (local.get $dst) (i32.mul (local.get $k) (local.get $colBytes))) (local.get $ow))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (br_if $lz (i32.lt_u (local.get $k) (local.get $g)))))
                (else
                  (local.set $row (i32.add (local.get $img) (i32.mul (local.get $y) (local.get $rowBytes))))
                  ;; padding columns on the left and on the right
                  (if (i32.or (i32.gt_s (local.get $jlo) (i32.const 0)) (i32.lt_s (local.get $jhi) (local.get $ow)))
                    (then
                      (local.set $k (i32.const 0))
                      (loop $lpad
                        (local.set $tap (i32.add (local.get $dst) (i32.mul (local.get $k) (local.get $colBytes))))
                        (call $zero (local.get $tap) (local.get $jlo))
                        (call $zero (i32.add (local.get $tap) (i32.shl (local.get $jhi) (i32.const 2))) (i32.sub (local.get $ow) (local.get $jhi)))
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (br_if $lpad (i32.lt_u (local.get $k) (local.get $g))))))
                  (local.set $j (local.get $jlo))
                  (local.set $src (i32.add (local.get $row)
                    (i32.mul (i32.sub (i32.add (i32.mul (local.get $j) (local.get $sw)) (local.get $kw)) (local.get $pl)) (local.get $pixBytes))))
                  (local.set $tap (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
                  (if (i32.eq (local.get $g) (i32.const 4))
                    (then
                      ;; 4 columns × 4 channels at a time
                      (block $b4
                        (loop $l4
                          (br_if $b4 (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $jhi)))
                          (local.set $v0 (v128.load (local.get $src)))
                          (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $step))))
                          (local.set $v2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $step) (i32.const 1)))))
                          (local.set $v3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $step) (i32.const 3)))))
                          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                          (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                          (v128.store (local.get $tap)
                            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                          (v128.store (i32.add (local.get $tap) (local.get $colBytes))
                            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                          (v128.store (i32.add (local.get $tap) (i32.shl (local.get $colBytes) (i32.const 1)))
                            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                          (v128.store (i32.add (local.get $tap) (i32.mul (local.get $colBytes) (i32.const 3)))
                            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                          (local.set $src (i32.add (local.get $src) (i32.shl (local.get $step) (i32.const 2))))
                          (local.set $tap (i32.add (local.get $tap) (i32.const 16)))
                          (local.set $j (i32.add (local.get $j) (i32.const 4)))
                          (br $l4)))
                      ;; the remaining columns one at a time, 4 channels each
                      (block $b1
                        (loop $l1
                          (br_if $b1 (i32.ge_s (local.get $j) (local.get $jhi)))
                          (local.set $v0 (v128.load (local.get $src)))
                          (f32.store (local.get $tap) (f32x4.extract_lane 0 (local.get $v0)))
                          (f32.store (i32.add (local.get $tap) (local.get $colBytes)) (f32x4.extract_lane 1 (local.get $v0)))
                          (f32.store (i32.add (local.get $tap) (i32.shl (local.get $colBytes) (i32.const 1))) (f32x4.extract_lane 2 (local.get $v0)))
                          (f32.store (i32.add (local.get $tap) (i32.mul (local.get $colBytes) (i32.const 3))) (f32x4.extract_lane 3 (local.get $v0)))
                          (local.set $src (i32.add (local.get $src) (local.get $step)))
                          (local.set $tap (i32.add (local.get $tap) (i32.const 4)))
                          (local.set $j (i32.add (local.get $j) (i32.const 1)))
                          (br $l1))))
                    (else
                      ;; one channel: copy its value column by column (i32 moves keep every bit pattern)
                      (block $bs
                        (loop $ls
                          (br_if $bs (i32.ge_s (local.get $j) (local.get $jhi)))
                          (i32.store (local.get $tap) (i32.load (local.get $src)))
                          (local.set $src (i32.add (local.get $src) (local.get $step)))
                          (local.set $tap (i32.add (local.get $tap) (i32.const 4)))
                          (local.set $j (i32.add (local.get $j) (i32.const 1)))
                          (br $ls)))))))
              (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $ow) (i32.const 2))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $li (i32.lt_u (local.get $i) (local.get $oh))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br_if $ln (i32.lt_u (local.get $n) (local.get $batch))))
          (local.set $c (i32.add (local.get $c) (local.get $g)))
          (br_if $lc (i32.lt_u (local.get $c) (local.get $cin))))
        (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
        (br_if $lkw (i32.lt_u (local.get $kw) (local.get $fw))))
      (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
      (br_if $lkh (i32.lt_u (local.get $kh) (local.get $fh)))))
  ;; dx = dy · ceil(min(y, 1)) for n floats (reluBackward in ../batch-norm.math.ts): y ≥ 0, so the
  ;; factor is the 0/1 mask; every operation is exact, so float32 lanes give the JavaScript bits.
  (func (export "reluGrad") (param $dy i32) (param $y i32) (param $dx i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dx) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l4
        (br_if $done (i32.gt_u (i32.add (local.get $dx) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dx)
          (f32x4.mul (v128.load (local.get $dy))
            (f32x4.ceil (f32x4.min (v128.load (local.get $y)) (v128.const f32x4 1 1 1 1)))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
        (br $l4)))
    (block $done1
      (loop $l1
        (br_if $done1 (i32.ge_u (local.get $dx) (local.get $end)))
        (f32.store (local.get $dx)
          (f32.mul (f32.load (local.get $dy)) (f32.ceil (f32.min (f32.load (local.get $y)) (f32.const 1)))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 4)))
        (br $l1))))

  ;; (s + |s|)·0.5 of s = a + b (+ c), rounded to float32 (addRelu in ../batch-norm.math.ts). The
  ;; JavaScript sums in float64, so this does too, two lanes at a time; $c = 0 means two terms.
  ;; Written out without helper calls: V8 does not inline them, and calls made it slower than JS.
  (func (export "addRelu") (param $a i32) (param $b i32) (param $c i32) (param $y i32) (param $n i32)
    (local $end i32) (local $s f64) (local $lo v128) (local $hi v128)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $l4
        (br_if $done (i32.gt_u (i32.add (local.get $y) (i32.const 16)) (local.get $end)))
        (local.set $lo (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $a)))
                                  (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $b)))))
        (local.set $hi (f64x2.add (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $a)))
                                  (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $b)))))
        (if (local.get $c)
          (then
            (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $c)))))
            (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))))
        (local.set $lo (f64x2.mul (f64x2.add (local.get $lo) (f64x2.abs (local.get $lo))) (v128.const f64x2 0.5 0.5)))
        (local.set $hi (f64x2.mul (f64x2.add (local.get $hi) (f64x2.abs (local.get $hi))) (v128.const f64x2 0.5 0.5)))
        (v128.store (local.get $y)
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $l4)))
    (block $done1
      (loop $l1
        (br_if $done1 (i32.ge_u (local.get $y) (local.get $end)))
        (local.set $s (f64.add (f64.promote_f32 (f32.load (local.get $a))) (f64.promote_f32 (f32.load (local.get $b)))))
        (if (local.get $c)
          (then
            (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.load (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))))
        (f32.store (local.get $y)
          (f32.demote_f64 (f64.mul (f64.add (local.get $s) (f64.abs (local.get $s))) (f64.const 0.5))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $l1))))

  ;; BatchNorm's passes (JS_BN_PASSES in ../batch-norm.math.ts) with channels k, k+1 in the two
  ;; float64 lanes: each lane accumulates its channel row after row within a tile, tile after tile,
  ;; exactly the JavaScript order, so the sums are the same bits. $c is even (the caller checks);
  ;; float64 arrays are 8-byte aligned. $mode 0: acc += Σ x; 1: acc += Σ (x − mu)²;
  ;; 2: acc += Σ dy (x is dy) and acc2 += Σ dy·(x2 − mean), with mean float32.
  (func (export "bnSums")
    (param $mode i32) (param $x i32) (param $x2 i32) (param $n i32) (param $c i32) (param $tile i32)
    (param $mu i32) (param $acc i32) (param $acc2 i32)
    (local $t0 i32) (local $t1 i32) (local $k i32) (local $p i32) (local $q i32) (local $end i32)
    (local $stride i32) (local $s v128) (local $s2 v128) (local $m v128) (local $g v128) (local $d v128)
    (local $a i32)
    (local.set $stride (i32.shl (local.get $c) (i32.const 2)))
    (local.set $t0 (i32.const 0))
    (block $tdone
      (loop $tl
        (br_if $tdone (i32.ge_u (local.get $t0) (local.get $n)))
        (local.set $t1 (i32.add (local.get $t0) (local.get $tile)))
        (if (i32.gt_u (local.get $t1) (local.get $n)) (then (local.set $t1 (local.get $n))))
        (local.set $end (i32.add (local.get $x) (i32.shl (local.get $t1) (i32.const 2))))
        (local.set $k (i32.const 0))
        (loop $kl
          (local.set $p (i32.add (local.get $x) (i32.shl (i32.add (local.get $t0) (local.get $k)) (i32.const 2))))
          (local.set $q (i32.add (local.get $x2) (i32.shl (i32.add (local.get $t0) (local.get $k)) (i32.const 2))))
          (local.set $s (v128.const f64x2 0 0))
          (local.set $s2 (v128.const f64x2 0 0))
          (if (i32.eqz (local.get $mode))
            (then
              (block $od
                (loop $ol
                  (br_if $od (i32.ge_u (local.get $p) (local.get $end)))
                  (local.set $s (f64x2.add (local.get $s) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p)))))
                  (local.set $p (i32.add (local.get $p) (local.get $stride)))
                  (br $ol)))))
          (if (i32.eq (local.get $mode) (i32.const 1))
            (then
              (local.set $m (v128.load (i32.add (local.get $mu) (i32.shl (local.get $k) (i32.const 3)))))
              (block $od1
                (loop $ol1
                  (br_if $od1 (i32.ge_u (local.get $p) (local.get $end)))
                  (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $m)))
                  (local.set $s (f64x2.add (local.get $s) (f64x2.mul (local.get $d) (local.get $d))))
                  (local.set $p (i32.add (local.get $p) (local.get $stride)))
                  (br $ol1)))))
          (if (i32.eq (local.get $mode) (i32.const 2))
            (then
              (local.set $m (f64x2.promote_low_f32x4
                (v128.load64_zero (i32.add (local.get $mu) (i32.shl (local.get $k) (i32.const 2))))))
              (block $od2
                (loop $ol2
                  (br_if $od2 (i32.ge_u (local.get $p) (local.get $end)))
                  (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))
                  (local.set $s (f64x2.add (local.get $s) (local.get $g)))
                  (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $g)
                    (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $q))) (local.get $m)))))
                  (local.set $p (i32.add (local.get $p) (local.get $stride)))
                  (local.set $q (i32.add (local.get $q) (local.get $stride)))
                  (br $ol2)))
              (local.set $a (i32.add (local.get $acc2) (i32.shl (local.get $k) (i32.const 3))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $s2)))))
          (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $k) (i32.const 3))))
          (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $s)))
          (local.set $k (i32.add (local.get $k) (i32.const 2)))
          (br_if $kl (i32.lt_u (local.get $k) (local.get $c))))
        (local.set $t0 (local.get $t1))
        (br $tl))))

  ;; y = x·a[k] + b[k] (x2 = 0), or y = a[k]·x − b[k]·x2 + bias[k] (the gradient's dx, x = dy), in
  ;; float64 and rounded to float32, two channels at a time, row after row.
  (func (export "bnAffine")
    (param $x i32) (param $x2 i32) (param $n i32) (param $c i32) (param $a i32) (param $b i32)
    (param $bias i32) (param $y i32)
    (local $end i32) (local $k i32) (local $o i32) (local $r v128)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (local.set $k (i32.const 0))
        (loop $kl
          (local.set $o (i32.shl (local.get $k) (i32.const 3)))
          (if (local.get $x2)
            (then
              (local.set $r (f64x2.add
                (f64x2.sub
                  (f64x2.mul (v128.load (i32.add (local.get $a) (local.get $o)))
                    (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
                  (f64x2.mul (v128.load (i32.add (local.get $b) (local.get $o)))
                    (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x2)))))
                (v128.load (i32.add (local.get $bias) (local.get $o)))))
              (local.set $x2 (i32.add (local.get $x2) (i32.const 8))))
            (else
              (local.set $r (f64x2.add
                (f64x2.mul (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x)))
                  (v128.load (i32.add (local.get $a) (local.get $o))))
                (v128.load (i32.add (local.get $b) (local.get $o)))))))
          (v128.store64_lane 0 (local.get $y) (f32x4.demote_f64x2_zero (local.get $r)))
          (local.set $x (i32.add (local.get $x) (i32.const 8)))
          (local.set $y (i32.add (local.get $y) (i32.const 8)))
          (local.set $k (i32.add (local.get $k) (i32.const 2)))
          (br_if $kl (i32.lt_u (local.get $k) (local.get $c))))
        (br $row))))

  ;; dx += the patch gradients scattered back (col2imAdd in ../im2col.ts): the same loops, so each
  ;; element of dx receives its terms in the same order; float32 adds are the JavaScript's (a float64
  ;; sum of two float32 rounded to float32 is their float32 sum). Channels 4 at a time.
  (func (export "col2imAdd")
    (param $cols i32) (param $dx i32) (param $batch i32) (param $ih i32) (param $iw i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32)
    (param $pt i32) (param $pl i32)
    (local $rowBytes i32) (local $imageBytes i32) (local $pixBytes i32) (local $n i32) (local $i i32)
    (local $j i32) (local $kh i32) (local $kw i32) (local $y i32) (local $x i32) (local $img i32)
    (local $d i32) (local $s i32) (local $end i32) (local $src i32)
    (local.set $pixBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $iw) (local.get $pixBytes)))
    (local.set $imageBytes (i32.mul (local.get $ih) (local.get $rowBytes)))
    (local.set $src (local.get $cols))
    (local.set $n (i32.const 0))
    (block $nd (loop $ln
      (br_if $nd (i32.ge_u (local.get $n) (local.get $batch)))
      (local.set $img (i32.add (local.get $dx) (i32.mul (local.get $n) (local.get $imageBytes))))
      (local.set $i (i32.const 0))
      (block $id (loop $li
        (br_if $id (i32.ge_u (local.get $i) (local.get $oh)))
        (local.set $j (i32.const 0))
        (block $jd (loop $lj
          (br_if $jd (i32.ge_u (local.get $j) (local.get $ow)))
          (local.set $kh (i32.const 0))
          (block $khd (loop $lkh
            (br_if $khd (i32.ge_u (local.get $kh) (local.get $fh)))
            (local.set $y (i32.sub (i32.add (i32.mul (local.get $i) (local.get $sh)) (local.get $kh)) (local.get $pt)))
            (if (i32.and (i32.ge_s (local.get $y) (i32.const 0)) (i32.lt_s (local.get $y) (local.get $ih)))
              (then
                (local.set $kw (i32.const 0))
                (block $kwd (loop $lkw
                  (br_if $kwd (i32.ge_u (local.get $kw) (local.get $fw)))
                  (local.set $x (i32.sub (i32.add (i32.mul (local.get $j) (local.get $sw)) (local.get $kw)) (local.get $pl)))
                  (if (i32.and (i32.ge_s (local.get $x) (i32.const 0)) (i32.lt_s (local.get $x) (local.get $iw)))
                    (then
                      (local.set $d (i32.add (local.get $img)
                        (i32.add (i32.mul (local.get $y) (local.get $rowBytes)) (i32.mul (local.get $x) (local.get $pixBytes)))))
                      (local.set $s (i32.add (local.get $src)
                        (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $fw)) (local.get $kw)) (local.get $pixBytes))))
                      (local.set $end (i32.add (local.get $d) (local.get $pixBytes)))
                      (block $c4d (loop $c4
                        (br_if $c4d (i32.gt_u (i32.add (local.get $d) (i32.const 16)) (local.get $end)))
                        (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (v128.load (local.get $s))))
                        (local.set $d (i32.add (local.get $d) (i32.const 16)))
                        (local.set $s (i32.add (local.get $s) (i32.const 16)))
                        (br $c4)))
                      (block $c1d (loop $c1
                        (br_if $c1d (i32.ge_u (local.get $d) (local.get $end)))
                        (f32.store (local.get $d) (f32.add (f32.load (local.get $d)) (f32.load (local.get $s))))
                        (local.set $d (i32.add (local.get $d) (i32.const 4)))
                        (local.set $s (i32.add (local.get $s) (i32.const 4)))
                        (br $c1)))))
                  (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
                  (br $lkw)))))
            (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
            (br $lkh)))
          (local.set $src (i32.add (local.get $src)
            (i32.mul (i32.mul (local.get $fh) (local.get $fw)) (local.get $pixBytes))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $lj)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $ln))))
)
