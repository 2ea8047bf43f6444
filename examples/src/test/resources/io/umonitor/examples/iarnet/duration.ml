(* Stand-in for the duration library (not packaged for Debian): the one function the unikernel uses. *)
let of_sec (n : int) : int64 = Int64.mul (Int64.of_int n) 1_000_000_000L
