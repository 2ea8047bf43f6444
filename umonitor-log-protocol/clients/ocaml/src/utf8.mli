(** UTF-8 as PROTOCOL.md section 2 requires it (RFC 3629). *)

val is_valid : string -> bool

val sanitize : string -> string
(** [sanitize s] is [s] with every byte that starts no well-formed sequence replaced by U+FFFD, so
    that a receiver does not reject the whole frame. *)

val truncate : string -> int -> string
(** [truncate s max] is the longest prefix of the well-formed [s] of at most [max] bytes that does
    not split a character. *)
