import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE } from '../errors/exit-code.error';
import { verifyFile, VerificationError } from './bundle-download';

const dir = mkdtempSync(join(tmpdir(), 'verify-'));
const bytes = Buffer.from('fused weights');
const sha256 = createHash('sha256').update(bytes).digest('hex');

function write(name: string, content: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('verifyFile', () => {
  it('accepts a file whose digest, size and ETag match', async () => {
    const path = write('good.bin', bytes);
    await verifyFile(path, 'good.bin', { sha256, bytes: bytes.length, etag: `"${sha256}"` });
    expect(existsSync(path)).toBe(true);
  });

  it('refuses and deletes a tampered file, naming it and both digests', async () => {
    const tampered = Buffer.from(bytes);
    tampered[0] ^= 1;
    const path = write('model.onnx', tampered);
    const err = await verifyFile(path, 'model.onnx', { sha256, bytes: bytes.length }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VerificationError);
    expect((err as VerificationError).exitCode).toBe(EXIT_FAILURE);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^model\\.onnx failed verification: sha256 \\w{12}… \\(13 bytes\\) but report\\.json says ${sha256.slice(0, 12)}…`,
      ),
    );
    expect(existsSync(path)).toBe(false);
  });

  it("refuses a file the report vouches for when the server's ETag names other bytes", async () => {
    const path = write('etag.bin', bytes);
    await expect(
      verifyFile(path, 'etag.bin', { sha256, bytes: bytes.length, etag: `"${'0'.repeat(64)}"` }),
    ).rejects.toThrow(/ETag/);
    expect(existsSync(path)).toBe(false);
  });
});
