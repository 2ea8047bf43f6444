(** CRC-32 as PROTOCOL.md section 3 defines it (the CRC of ["123456789"] is [0xCBF43926]). *)

val digest : ?off:int -> ?len:int -> string -> int
(** [digest ~off ~len s] is the CRC-32 of [len] bytes of [s] from [off] (default: all of [s]),
    a value in [0, 0xFFFFFFFF]. *)
