const encoder = new TextEncoder();

/**
 * The UTF-8 bytes of `text`, as a Buffer sharing the encoded memory. Node's TextEncoder encodes with
 * SIMD: for a 900 KB answer about 0.25 ms against 3.6 ms for `Buffer.from(text)`, which measures
 * and writes the string character by character.
 */
export function utf8Bytes(text: string): Buffer<ArrayBuffer> {
  const bytes = encoder.encode(text);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
