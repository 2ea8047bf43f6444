(** Base64 of RFC 4648 section 4 (alphabet [A-Z a-z 0-9 + /], padding required), as the console
    encoding of PROTOCOL.md section 5.3 uses it. *)

val encode : string -> string

val decode : string -> (string, string) result
(** Strict: rejects a length that is not a multiple of 4, characters outside the alphabet (including
    [=] anywhere but the end), and non-zero bits in the padding. *)
