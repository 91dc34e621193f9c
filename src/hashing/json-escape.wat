;; JSON string escaping of UTF-8 bytes, sixteen at a time (WebAssembly SIMD).
;;
;; The one thing canonical JSON (RFC 8785) does to a string's UTF-8 bytes is escape '"', '\'
;; and U+0000..U+001F exactly as ECMAScript's JSON.stringify does: \" \\ \b \t \n \f \r, and
;; \u00xx (lowercase hex) for the other control characters. Every other byte, including those
;; of multi-byte UTF-8 sequences (all >= 0x80), is copied unchanged. A prompt holds a handful
;; of such characters in kilobytes of text, so the bytes are copied 32 at a time while none
;; of them needs escaping, and one at a time only around those that do.
;;
;; Built into json-escape-wasm.ts by `npm run wasm:generate`; a test fails when that file
;; does not match this source.
(module
  ;; Bytes 0..31: the short escape letter of each control character, 0 for \u00xx.
  ;; Bytes 32..47: lowercase hex digits. Callers keep their data at offset 64 and above.
  (memory (export "memory") 1)
  (data (i32.const 0) "\00\00\00\00\00\00\00\00btn\00fr\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 32) "0123456789abcdef")

  ;; Writes the escape of byte $c ('"', '\' or a control character) at $dst; returns the new end.
  (func $escape_byte (param $c i32) (param $dst i32) (result i32)
    (local $short i32)
    (i32.store8 (local.get $dst) (i32.const 0x5c))
    (if (i32.ge_u (local.get $c) (i32.const 0x20))
      (then
        (i32.store8 offset=1 (local.get $dst) (local.get $c))
        (return (i32.add (local.get $dst) (i32.const 2)))))
    (local.set $short (i32.load8_u (local.get $c)))
    (if (local.get $short)
      (then
        (i32.store8 offset=1 (local.get $dst) (local.get $short))
        (return (i32.add (local.get $dst) (i32.const 2)))))
    ;; "u000" (one i32 store, little-endian), then both hex digits: the high one over its last "0".
    (i32.store offset=1 (local.get $dst) (i32.const 0x30303075))
    (i32.store8 offset=4 (local.get $dst) (i32.load8_u offset=32 (i32.shr_u (local.get $c) (i32.const 4))))
    (i32.store8 offset=5 (local.get $dst) (i32.load8_u offset=32 (i32.and (local.get $c) (i32.const 15))))
    (i32.add (local.get $dst) (i32.const 6)))

  ;; Copies the $len UTF-8 bytes at $src to $dst, escaped; returns the end of what was written.
  ;; The caller makes room for six bytes out per byte in, and keeps the two ranges apart.
  (func (export "escape") (param $src i32) (param $len i32) (param $dst i32) (result i32)
    (local $end i32) (local $stop i32) (local $c i32) (local $a v128) (local $b v128)
    (local.set $end (i32.add (local.get $src) (local.get $len)))
    (loop $resume
      (block $slow
        (loop $fast
          (br_if $slow (i32.gt_u (i32.add (local.get $src) (i32.const 32)) (local.get $end)))
          (local.set $a (v128.load align=1 (local.get $src)))
          (local.set $b (v128.load offset=16 align=1 (local.get $src)))
          ;; Any byte below 0x20, or equal to '"' or '\', in the next 32?
          (br_if $slow
            (v128.any_true
              (v128.or
                (v128.or
                  (i8x16.lt_u (local.get $a) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                  (v128.or
                    (i8x16.eq (local.get $a) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
                    (i8x16.eq (local.get $a) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92))))
                (v128.or
                  (i8x16.lt_u (local.get $b) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32))
                  (v128.or
                    (i8x16.eq (local.get $b) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
                    (i8x16.eq (local.get $b) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92)))))))
          (v128.store align=1 (local.get $dst) (local.get $a))
          (v128.store offset=16 align=1 (local.get $dst) (local.get $b))
          (local.set $src (i32.add (local.get $src) (i32.const 32)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (br $fast)))
      ;; A byte in the next 32 needs escaping, or fewer than 32 are left: the next 16 bytes
      ;; (or all that are left) go one at a time, then back to the fast loop.
      (local.set $stop
        (select
          (i32.add (local.get $src) (i32.const 16))
          (local.get $end)
          (i32.lt_u (i32.add (local.get $src) (i32.const 16)) (local.get $end))))
      (if (i32.lt_u (local.get $src) (local.get $end))
        (then
          (loop $bytes
            (local.set $c (i32.load8_u (local.get $src)))
            (if (i32.and
                  (i32.ge_u (local.get $c) (i32.const 0x20))
                  (i32.and (i32.ne (local.get $c) (i32.const 0x22)) (i32.ne (local.get $c) (i32.const 0x5c))))
              (then
                (i32.store8 (local.get $dst) (local.get $c))
                (local.set $dst (i32.add (local.get $dst) (i32.const 1))))
              (else
                (local.set $dst (call $escape_byte (local.get $c) (local.get $dst)))))
            (local.set $src (i32.add (local.get $src) (i32.const 1)))
            (br_if $bytes (i32.lt_u (local.get $src) (local.get $stop))))
          (br $resume))))
    (local.get $dst))
)
