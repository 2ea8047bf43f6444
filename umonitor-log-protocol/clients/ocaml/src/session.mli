(** One client session (PROTOCOL.md sections 4 and 7): the sender's identity, the session id and
    the sequence counter that every reporter sharing this value continues, so records logged to
    the console before the network is up and over the network afterwards number as one session. *)

type clock = [ `Wall of unit -> int64 | `Monotonic of unit -> int64 | `None ]
(** Where record timestamps come from, in nanoseconds: since the epoch ([`Wall]) or since boot
    ([`Monotonic]). *)

type t

val create :
  ?token:string -> ?session:int64 -> ?clock:clock -> ?client:string * string -> name:string ->
  unit -> t
(** [create ~name ()] starts a session for the unikernel [name] (1..63 ASCII letters, digits, [.],
    [_], [-]), with the [token] the monitor handed it (default empty) and a random session id
    unless [session] is given (on MirageOS, where [Random.self_init] may have little entropy at
    boot, pass one from the unikernel's RNG). [clock] defaults to [`None].
    @raise Invalid_argument if [name] breaks the rule or [token] is longer than 255 bytes. *)

val name : t -> string
val id : t -> int64

val hello : t -> Frame.t

val record :
  t -> level:Frame.level -> logger:string -> ?attributes:(string * Frame.value) list -> string ->
  Frame.record
(** The next record, with the next sequence number and the current time. Strings are made valid
    UTF-8 and cut to their field's limit, and the message is cut so the frame fits 65,535 bytes:
    every record the application logs can be sent. *)

val produced : t -> int64
(** Records numbered so far: the next sequence number. *)

val dropped : t -> int64
val note_dropped : t -> int -> unit

val goodbye : ?reason:string -> t -> Frame.t
