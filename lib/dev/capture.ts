// A stream that keeps what was written: the build's own lines are held back and shown
// only when it fails (a dev cycle prints one status line, not every BuildKit step).
import { Writable } from 'node:stream';

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    // Only the tail matters (the failing step's last lines).
    if (this.text.length > 200_000) this.text = this.text.slice(-100_000);
    done();
  }
}
