(* Stand-ins with the signatures mirage >= 4.9 documents; never run. *)
let register_arg (_ : 'a Cmdliner.Term.t) () : 'a = failwith "stub"
