(** From [Logs] to umonitor records, and the console reporter. *)

val level : Logs.level -> Frame.level
(** [App] and [Info] are INFO, [Warning] WARN, [Error] ERROR, [Debug] DEBUG. *)

val attributes : ?header:string -> Logs.Tag.set -> (string * Frame.value) list
(** Each tag becomes a STRING attribute named after the tag, valued as the tag's printer prints it;
    a message header becomes a [header] attribute after them. *)

val make : Session.t -> send:(Frame.t -> unit) -> nested:(Frame.t -> unit) -> Logs.reporter
(** A reporter that numbers each message in [session] and gives the record to [send], or to
    [nested] when it was logged while this reporter was still handling another (for instance by a
    network stack logging from inside [send]): that breaks the loop without losing the record. *)

val console : ?out:(string -> unit) -> Session.t -> Logs.reporter
(** Writes each record as an [@UM1:] console line (PROTOCOL.md section 5.3) through [out]
    (default: standard output, flushed; the console on MirageOS), after a HELLO line the first
    time. Use it before the network is up, then hand the same session to a network reporter. *)

val default_out : string -> unit
