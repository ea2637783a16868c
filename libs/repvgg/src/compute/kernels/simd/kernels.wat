;; Training kernels that run on tfjs-backend-wasm's own heap (the memory is imported, so no tensor is
;; copied). Each is the same arithmetic as its JavaScript twin in ../batch-norm.math.ts, or as the
;; XNNPACK GEMM and col2im it replaces (convFilterGrad, convInputGrad), in the same order, so the
;; results are bit-identical. Pointers are byte offsets into the heap.
(module
  (import "env" "memory" (memory 1))

  ;; $into = 1: copies an NHWC batch x into a zeroed [batch, hp, wp, cin] buffer xp at (pt, pl), so
  ;; every tap of every output pixel reads memory (the padding becomes zeros, as im2col's patches had
  ;; them); $into = 0: copies that window of xp back into x.
  (func (export "padImages")
    (param $x i32) (param $xp i32) (param $batch i32) (param $ih i32) (param $iw i32) (param $cin i32)
    (param $hp i32) (param $wp i32) (param $pt i32) (param $pl i32) (param $into i32)
    (local $pix i32) (local $row i32) (local $n i32) (local $y i32) (local $inner i32) (local $outer i32)
    (local.set $pix (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $row (i32.mul (local.get $iw) (local.get $pix)))
    (if (local.get $into)
      (then
        (memory.fill (local.get $xp) (i32.const 0)
          (i32.mul (i32.mul (local.get $batch) (local.get $hp)) (i32.mul (local.get $wp) (local.get $pix))))))
    (local.set $n (i32.const 0))
    (block $nd (loop $ln
      (br_if $nd (i32.ge_u (local.get $n) (local.get $batch)))
      (local.set $y (i32.const 0))
      (block $yd (loop $ly
        (br_if $yd (i32.ge_u (local.get $y) (local.get $ih)))
        (local.set $inner (i32.add (local.get $xp) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $n) (local.get $hp))
          (i32.add (local.get $y) (local.get $pt))) (local.get $wp)) (local.get $pl)) (local.get $pix))))
        (local.set $outer
          (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (local.get $n) (local.get $ih)) (local.get $y)) (local.get $row))))
        (if (local.get $into)
          (then (memory.copy (local.get $inner) (local.get $outer) (local.get $row)))
          (else (memory.copy (local.get $outer) (local.get $inner) (local.get $row))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $ly)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $ln))))

  ;; Byte offset, within a padded image, of row r = (kh·fw + kw)·cin + c of the filter gradient.
  (func $tapOffset (param $r i32) (param $fw i32) (param $cin i32) (param $wp i32) (result i32)
    (local $perKh i32) (local $kh i32) (local $rest i32)
    (local.set $perKh (i32.mul (local.get $fw) (local.get $cin)))
    (local.set $kh (i32.div_u (local.get $r) (local.get $perKh)))
    (local.set $rest (i32.sub (local.get $r) (i32.mul (local.get $kh) (local.get $perKh))))
    (i32.shl
      (i32.add
        (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $wp)) (i32.div_u (local.get $rest) (local.get $cin))) (local.get $cin))
        (i32.rem_u (local.get $rest) (local.get $cin)))
      (i32.const 2)))

;; Byte address in xp of each output pixel's first tap, pixel k = (n·oh + i)·ow + j, as int32s at
  ;; $table: convFilterGrad walks pixels through it, whatever the image and row sizes.
  (func (export "pixelTable")
    (param $table i32) (param $xp i32) (param $batch i32) (param $hp i32) (param $wp i32) (param $cin i32)
    (param $oh i32) (param $ow i32) (param $sh i32) (param $sw i32)
    (local $n i32) (local $i i32) (local $a i32) (local $end i32) (local $step i32) (local $row i32)
    (local.set $row (i32.shl (i32.mul (local.get $wp) (local.get $cin)) (i32.const 2)))
    (local.set $step (i32.shl (i32.mul (local.get $sw) (local.get $cin)) (i32.const 2)))
    (local.set $n (i32.const 0))
    (block $nd (loop $ln
      (br_if $nd (i32.ge_u (local.get $n) (local.get $batch)))
      (local.set $i (i32.const 0))
      (block $id (loop $li
        (br_if $id (i32.ge_u (local.get $i) (local.get $oh)))
        (local.set $a (i32.add (local.get $xp) (i32.mul (local.get $row)
          (i32.add (i32.mul (local.get $n) (local.get $hp)) (i32.mul (local.get $i) (local.get $sh))))))
        (local.set $end (i32.add (local.get $table) (i32.shl (local.get $ow) (i32.const 2))))
        (block $jd (loop $lj
          (br_if $jd (i32.ge_u (local.get $table) (local.get $end)))
          (i32.store (local.get $table) (local.get $a))
          (local.set $a (i32.add (local.get $a) (local.get $step)))
          (local.set $table (i32.add (local.get $table) (i32.const 4)))
          (br $lj)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $li)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $ln))))

  ;; dW[r, o] += Σ_k xp[table[k] + offset of r] · dy[k, o], the filter gradient patchesᵀ · dy without
  ;; building the patches: xp is the padded input ([batch, hp, wp, cin], padImages), r = (kh·fw + kw)·cin
  ;; + c sits at byte offset ((kh·wp + kw)·cin + c)·4 from a pixel's first tap, dy is [pixels, cout], dW
  ;; [rows, cout], cout a multiple of 8. Each element of dW is one float32 accumulator that takes its
  ;; products in pixel order, a multiply then an add per term (padding pixels add 0·dy): the order and
  ;; operations of a GEMM along K, XNNPACK's included. Tiles of 4 rows × 8 outputs stay in registers
  ;; over a block of $block pixels (dW is loaded and stored once per block, which changes no bit), so
  ;; a block's dy and xp stay in cache while every tile reads them. When cin is a multiple of 4 a
  ;; tile's rows are one tap's consecutive channels, read at fixed offsets from one address.
  (func (export "convFilterGrad")
    (param $table i32) (param $dy i32) (param $dw i32) (param $pixels i32) (param $rows i32)
    (param $cout i32) (param $fw i32) (param $cin i32) (param $wp i32) (param $block i32)
    (local $dyPix i32) (local $k0 i32) (local $k1 i32) (local $r i32) (local $co i32) (local $last i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32)
    (local $t i32) (local $tEnd i32) (local $a i32) (local $d i32) (local $contiguous i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $b0 v128) (local $b1 v128) (local $s v128)
    (local.set $dyPix (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $last (i32.sub (local.get $rows) (i32.const 1)))
    (local.set $contiguous (i32.eqz (i32.and (local.get $cin) (i32.const 3))))
    (local.set $k0 (i32.const 0))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.ge_u (local.get $k0) (local.get $pixels)))
      (local.set $k1 (i32.add (local.get $k0) (local.get $block)))
      (if (i32.gt_u (local.get $k1) (local.get $pixels)) (then (local.set $k1 (local.get $pixels))))
      (local.set $r (i32.const 0))
      (block $rowsDone (loop $rowTiles
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        ;; rows past the last repeat it: computed with its values, stored over it with the same bits
        (local.set $o0 (call $tapOffset (local.get $r) (local.get $fw) (local.get $cin) (local.get $wp)))
        (local.set $o1 (call $tapOffset (call $minU (i32.add (local.get $r) (i32.const 1)) (local.get $last))
          (local.get $fw) (local.get $cin) (local.get $wp)))
        (local.set $o2 (call $tapOffset (call $minU (i32.add (local.get $r) (i32.const 2)) (local.get $last))
          (local.get $fw) (local.get $cin) (local.get $wp)))
        (local.set $o3 (call $tapOffset (call $minU (i32.add (local.get $r) (i32.const 3)) (local.get $last))
          (local.get $fw) (local.get $cin) (local.get $wp)))
        (local.set $co (i32.const 0))
        (block $colsDone (loop $colTiles
          (br_if $colsDone (i32.ge_u (local.get $co) (local.get $dyPix)))
          (local.set $p0 (i32.add (i32.add (local.get $dw) (i32.mul (local.get $r) (local.get $dyPix))) (local.get $co)))
          (local.set $p1 (i32.add (i32.add (local.get $dw) (i32.mul (call $minU (i32.add (local.get $r) (i32.const 1)) (local.get $last)) (local.get $dyPix))) (local.get $co)))
          (local.set $p2 (i32.add (i32.add (local.get $dw) (i32.mul (call $minU (i32.add (local.get $r) (i32.const 2)) (local.get $last)) (local.get $dyPix))) (local.get $co)))
          (local.set $p3 (i32.add (i32.add (local.get $dw) (i32.mul (call $minU (i32.add (local.get $r) (i32.const 3)) (local.get $last)) (local.get $dyPix))) (local.get $co)))
          (local.set $c0 (v128.load (local.get $p0)))
          (local.set $c1 (v128.load offset=16 (local.get $p0)))
          (local.set $c2 (v128.load (local.get $p1)))
          (local.set $c3 (v128.load offset=16 (local.get $p1)))
          (local.set $c4 (v128.load (local.get $p2)))
          (local.set $c5 (v128.load offset=16 (local.get $p2)))
          (local.set $c6 (v128.load (local.get $p3)))
          (local.set $c7 (v128.load offset=16 (local.get $p3)))
          (local.set $t (i32.add (local.get $table) (i32.shl (local.get $k0) (i32.const 2))))
          (local.set $tEnd (i32.add (local.get $table) (i32.shl (local.get $k1) (i32.const 2))))
          (local.set $d (i32.add (i32.add (local.get $dy) (i32.mul (local.get $k0) (local.get $dyPix))) (local.get $co)))
          (if (local.get $contiguous)
            (then
              (loop $lc
                (local.set $a (i32.add (i32.load (local.get $t)) (local.get $o0)))
                (local.set $b0 (v128.load (local.get $d)))
                (local.set $b1 (v128.load offset=16 (local.get $d)))
                (local.set $s (v128.load32_splat offset=0 (local.get $a)))
                (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=4 (local.get $a)))
                (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=8 (local.get $a)))
                (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat offset=12 (local.get $a)))
                (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (local.set $d (i32.add (local.get $d) (local.get $dyPix)))
                (br_if $lc (i32.lt_u (local.get $t) (local.get $tEnd)))))
            (else
              (loop $lg
                (local.set $a (i32.load (local.get $t)))
                (local.set $b0 (v128.load (local.get $d)))
                (local.set $b1 (v128.load offset=16 (local.get $d)))
                (local.set $s (v128.load32_splat (i32.add (local.get $a) (local.get $o0))))
                (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat (i32.add (local.get $a) (local.get $o1))))
                (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat (i32.add (local.get $a) (local.get $o2))))
                (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $s (v128.load32_splat (i32.add (local.get $a) (local.get $o3))))
                (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $s) (local.get $b0))))
                (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $s) (local.get $b1))))
                (local.set $t (i32.add (local.get $t) (i32.const 4)))
                (local.set $d (i32.add (local.get $d) (local.get $dyPix)))
                (br_if $lg (i32.lt_u (local.get $t) (local.get $tEnd))))))
          (v128.store (local.get $p3) (local.get $c6))
          (v128.store offset=16 (local.get $p3) (local.get $c7))
          (v128.store (local.get $p2) (local.get $c4))
          (v128.store offset=16 (local.get $p2) (local.get $c5))
          (v128.store (local.get $p1) (local.get $c2))
          (v128.store offset=16 (local.get $p1) (local.get $c3))
          (v128.store (local.get $p0) (local.get $c0))
          (v128.store offset=16 (local.get $p0) (local.get $c1))
          (local.set $co (i32.add (local.get $co) (i32.const 32)))
          (br $colTiles)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rowTiles)))
      (local.set $k0 (local.get $k1))
      (br $blocks))))

  ;; wt[o, r] = w[r, o] for a [rows, cout] filter, rows padded with zeros to $rowsP ≥ rows.
  (func (export "transposeFilter") (param $w i32) (param $wt i32) (param $rows i32) (param $cout i32) (param $rowsP i32)
    (local $o i32) (local $r i32) (local $src i32) (local $dst i32)
    (local.set $o (i32.const 0))
    (block $od (loop $lo
      (br_if $od (i32.ge_u (local.get $o) (local.get $cout)))
      (local.set $src (i32.add (local.get $w) (i32.shl (local.get $o) (i32.const 2))))
      (local.set $dst (i32.add (local.get $wt) (i32.shl (i32.mul (local.get $o) (local.get $rowsP)) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $rd (loop $lr
        (br_if $rd (i32.ge_u (local.get $r) (local.get $rowsP)))
        (i32.store (local.get $dst)
          (select (i32.load (local.get $src)) (i32.const 0) (i32.lt_u (local.get $r) (local.get $rows))))
        (if (i32.lt_u (local.get $r) (local.get $rows))
          (then (local.set $src (i32.add (local.get $src) (i32.shl (local.get $cout) (i32.const 2))))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $lr)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $lo))))

  ;; dxp += the patch gradients dy · Wᵀ scattered back (the strided input gradient, what XNNPACK's
  ;; BatchMatMul and col2imAdd computed): for a block of $block pixels (a multiple of 4), the patch
  ;; gradients cols[k, r] = Σ_o dy[k, o]·wt[o, r] go to the scratch $cols, each one float32
  ;; accumulator from +0 taking its products in o order (a multiply then an add, as the GEMM did),
  ;; 4 pixels × 8 rows in registers; then the block's pixels add their patches onto dxp in pixel
  ;; order, so every element of dx takes its terms in the order col2im gave them. dxp is the
  ;; zero-padded input gradient ([batch, hp, wp, cin]) and table[k] the address of pixel k's first tap
  ;; in it (pixelTable), so no tap needs a bounds check; wt is [cout, rowsP] (transposeFilter).
  (func (export "convInputGrad")
    (param $table i32) (param $dy i32) (param $wt i32) (param $cols i32) (param $pixels i32)
    (param $cout i32) (param $rowsP i32) (param $fh i32) (param $fw i32) (param $cin i32) (param $wp i32)
    (param $block i32)
    (local $dyPix i32) (local $colPix i32) (local $k0 i32) (local $k1 i32) (local $q i32) (local $r i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $w i32) (local $wEnd i32)
    (local $out i32) (local $lastPix i32) (local $k i32) (local $kh i32) (local $kw i32) (local $d i32)
    (local $s i32) (local $end i32) (local $pix i32)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $b0 v128) (local $b1 v128) (local $v v128)
    (local.set $dyPix (i32.shl (local.get $cout) (i32.const 2)))
    (local.set $colPix (i32.shl (local.get $rowsP) (i32.const 2)))
    (local.set $pix (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $lastPix (i32.add (local.get $dy) (i32.mul (i32.sub (local.get $pixels) (i32.const 1)) (local.get $dyPix))))
    (local.set $k0 (i32.const 0))
    (block $blocksDone (loop $blocks
      (br_if $blocksDone (i32.ge_u (local.get $k0) (local.get $pixels)))
      (local.set $k1 (i32.add (local.get $k0) (local.get $block)))
      (if (i32.gt_u (local.get $k1) (local.get $pixels)) (then (local.set $k1 (local.get $pixels))))
      ;; the GEMM, 4 pixels at a time (pixels past the last repeat it; their rows are never read)
      (local.set $q (local.get $k0))
      (block $qDone (loop $lq
        (br_if $qDone (i32.ge_u (local.get $q) (local.get $k1)))
        (local.set $r (i32.const 0))
        (block $rDone (loop $lr
          (br_if $rDone (i32.ge_u (local.get $r) (local.get $rowsP)))
          (local.set $a0 (i32.add (local.get $dy) (i32.mul (local.get $q) (local.get $dyPix))))
          (local.set $a1 (call $minU (i32.add (local.get $a0) (local.get $dyPix)) (local.get $lastPix)))
          (local.set $a2 (call $minU (i32.add (local.get $a1) (local.get $dyPix)) (local.get $lastPix)))
          (local.set $a3 (call $minU (i32.add (local.get $a2) (local.get $dyPix)) (local.get $lastPix)))
          (local.set $w (i32.add (local.get $wt) (i32.shl (local.get $r) (i32.const 2))))
          (local.set $wEnd (i32.add (local.get $w) (i32.mul (local.get $cout) (local.get $colPix))))
          (local.set $c0 (v128.const i32x4 0 0 0 0))
          (local.set $c1 (v128.const i32x4 0 0 0 0))
          (local.set $c2 (v128.const i32x4 0 0 0 0))
          (local.set $c3 (v128.const i32x4 0 0 0 0))
          (local.set $c4 (v128.const i32x4 0 0 0 0))
          (local.set $c5 (v128.const i32x4 0 0 0 0))
          (local.set $c6 (v128.const i32x4 0 0 0 0))
          (local.set $c7 (v128.const i32x4 0 0 0 0))
          (loop $lo
            (local.set $b0 (v128.load (local.get $w)))
            (local.set $b1 (v128.load offset=16 (local.get $w)))
            (local.set $v (v128.load32_splat (local.get $a0)))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $v) (local.get $b0))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $v) (local.get $b1))))
            (local.set $v (v128.load32_splat (local.get $a1)))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $v) (local.get $b0))))
            (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $v) (local.get $b1))))
            (local.set $v (v128.load32_splat (local.get $a2)))
            (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $v) (local.get $b0))))
            (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $v) (local.get $b1))))
            (local.set $v (v128.load32_splat (local.get $a3)))
            (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $v) (local.get $b0))))
            (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $v) (local.get $b1))))
            (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
            (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
            (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
            (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
            (local.set $w (i32.add (local.get $w) (local.get $colPix)))
            (br_if $lo (i32.lt_u (local.get $w) (local.get $wEnd))))
          (local.set $out (i32.add (i32.add (local.get $cols)
            (i32.mul (i32.sub (local.get $q) (local.get $k0)) (local.get $colPix))) (i32.shl (local.get $r) (i32.const 2))))
          (v128.store (local.get $out) (local.get $c0))
          (v128.store offset=16 (local.get $out) (local.get $c1))
          (local.set $out (i32.add (local.get $out) (local.get $colPix)))
          (v128.store (local.get $out) (local.get $c2))
          (v128.store offset=16 (local.get $out) (local.get $c3))
          (local.set $out (i32.add (local.get $out) (local.get $colPix)))
          (v128.store (local.get $out) (local.get $c4))
          (v128.store offset=16 (local.get $out) (local.get $c5))
          (local.set $out (i32.add (local.get $out) (local.get $colPix)))
          (v128.store (local.get $out) (local.get $c6))
          (v128.store offset=16 (local.get $out) (local.get $c7))
          (local.set $r (i32.add (local.get $r) (i32.const 8)))
          (br $lr)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $lq)))
      ;; col2im of the block, pixel after pixel
      (local.set $k (local.get $k0))
      (block $kDone (loop $lk
        (br_if $kDone (i32.ge_u (local.get $k) (local.get $k1)))
        (local.set $s (i32.add (local.get $cols) (i32.mul (i32.sub (local.get $k) (local.get $k0)) (local.get $colPix))))
        (local.set $kh (i32.const 0))
        (loop $lkh
          (local.set $kw (i32.const 0))
          (loop $lkw
            (local.set $d (i32.add (i32.load (i32.add (local.get $table) (i32.shl (local.get $k) (i32.const 2))))
              (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $wp)) (local.get $kw)) (local.get $pix))))
            (local.set $end (i32.add (local.get $d) (local.get $pix)))
            (block $c4d (loop $c4l
              (br_if $c4d (i32.gt_u (i32.add (local.get $d) (i32.const 16)) (local.get $end)))
              (v128.store (local.get $d) (f32x4.add (v128.load (local.get $d)) (v128.load (local.get $s))))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (local.set $s (i32.add (local.get $s) (i32.const 16)))
              (br $c4l)))
            (block $c1d (loop $c1l
              (br_if $c1d (i32.ge_u (local.get $d) (local.get $end)))
              (f32.store (local.get $d) (f32.add (f32.load (local.get $d)) (f32.load (local.get $s))))
              (local.set $d (i32.add (local.get $d) (i32.const 4)))
              (local.set $s (i32.add (local.get $s) (i32.const 4)))
              (br $c1l)))
            (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
            (br_if $lkw (i32.lt_u (local.get $kw) (local.get $fw))))
          (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
          (br_if $lkh (i32.lt_u (local.get $kh) (local.get $fh))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $lk)))
      (local.set $k0 (local.get $k1))
      (br $blocks))))

  (func $minU (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_u (local.get $a) (local.get $b))))

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
  ;; exactly the JavaScript order, so the sums are the same bits. Two lane pairs (k, k+1 and k+2,
  ;; k+3: $o = 8 bytes on) run side by side, so two addition chains overlap; with one pair left
  ;; ($o = 0) the second chain repeats the first and is not stored. $c is even (the caller checks);
  ;; float64 arrays are 8-byte aligned. $mode 0: acc += Σ x; 1: acc += Σ (x − mu)²;
  ;; 2: acc += Σ dy (x is dy) and acc2 += Σ dy·(x2 − mean), with mean float32.
  (func (export "bnSums")
    (param $mode i32) (param $x i32) (param $x2 i32) (param $n i32) (param $c i32) (param $tile i32)
    (param $mu i32) (param $acc i32) (param $acc2 i32)
    (local $t0 i32) (local $t1 i32) (local $k i32) (local $p i32) (local $q i32) (local $end i32)
    (local $stride i32) (local $s v128) (local $s2 v128) (local $m v128) (local $g v128) (local $d v128)
    (local $a i32) (local $o i32) (local $sB v128) (local $s2B v128) (local $mB v128) (local $gB v128)
    (local $dB v128)
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
          (local.set $o (select (i32.const 8) (i32.const 0) (i32.lt_u (i32.add (local.get $k) (i32.const 2)) (local.get $c))))
          (local.set $p (i32.add (local.get $x) (i32.shl (i32.add (local.get $t0) (local.get $k)) (i32.const 2))))
          (local.set $q (i32.add (local.get $x2) (i32.shl (i32.add (local.get $t0) (local.get $k)) (i32.const 2))))
          (local.set $s (v128.const f64x2 0 0))
          (local.set $s2 (v128.const f64x2 0 0))
          (local.set $sB (v128.const f64x2 0 0))
          (local.set $s2B (v128.const f64x2 0 0))
          (if (i32.eqz (local.get $mode))
            (then
              (block $od
                (loop $ol
                  (br_if $od (i32.ge_u (local.get $p) (local.get $end)))
                  (local.set $s (f64x2.add (local.get $s) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p)))))
                  (local.set $sB (f64x2.add (local.get $sB)
                    (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $p) (local.get $o))))))
                  (local.set $p (i32.add (local.get $p) (local.get $stride)))
                  (br $ol)))))
          (if (i32.eq (local.get $mode) (i32.const 1))
            (then
              (local.set $m (v128.load (i32.add (local.get $mu) (i32.shl (local.get $k) (i32.const 3)))))
              (local.set $mB (v128.load (i32.add (i32.add (local.get $mu) (i32.shl (local.get $k) (i32.const 3)))
                (i32.shl (local.get $o) (i32.const 1)))))
              (block $od1
                (loop $ol1
                  (br_if $od1 (i32.ge_u (local.get $p) (local.get $end)))
                  (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))) (local.get $m)))
                  (local.set $dB (f64x2.sub (f64x2.promote_low_f32x4
                    (v128.load64_zero (i32.add (local.get $p) (local.get $o)))) (local.get $mB)))
                  (local.set $s (f64x2.add (local.get $s) (f64x2.mul (local.get $d) (local.get $d))))
                  (local.set $sB (f64x2.add (local.get $sB) (f64x2.mul (local.get $dB) (local.get $dB))))
                  (local.set $p (i32.add (local.get $p) (local.get $stride)))
                  (br $ol1)))))
          (if (i32.eq (local.get $mode) (i32.const 2))
            (then
              (local.set $m (f64x2.promote_low_f32x4
                (v128.load64_zero (i32.add (local.get $mu) (i32.shl (local.get $k) (i32.const 2))))))
              (local.set $mB (f64x2.promote_low_f32x4
                (v128.load64_zero (i32.add (i32.add (local.get $mu) (i32.shl (local.get $k) (i32.const 2))) (local.get $o)))))
              (block $od2
                (loop $ol2
                  (br_if $od2 (i32.ge_u (local.get $p) (local.get $end)))
                  (local.set $g (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p))))
                  (local.set $gB (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $p) (local.get $o)))))
                  (local.set $s (f64x2.add (local.get $s) (local.get $g)))
                  (local.set $sB (f64x2.add (local.get $sB) (local.get $gB)))
                  (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (local.get $g)
                    (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $q))) (local.get $m)))))
                  (local.set $s2B (f64x2.add (local.get $s2B) (f64x2.mul (local.get $gB)
                    (f64x2.sub (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $q) (local.get $o))))
                      (local.get $mB)))))
                  (local.set $p (i32.add (local.get $p) (local.get $stride)))
                  (local.set $q (i32.add (local.get $q) (local.get $stride)))
                  (br $ol2)))
              (local.set $a (i32.add (local.get $acc2) (i32.shl (local.get $k) (i32.const 3))))
              (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $s2)))
              (if (local.get $o)
                (then (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a)) (local.get $s2B)))))))
          (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $k) (i32.const 3))))
          (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $s)))
          (if (local.get $o)
            (then (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a)) (local.get $sB)))))
          (local.set $k (i32.add (local.get $k) (i32.add (i32.const 2) (i32.shr_u (local.get $o) (i32.const 2)))))
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
)
