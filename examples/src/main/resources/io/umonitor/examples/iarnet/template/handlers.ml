(* Replaced by the function's own handler code when the provider generates a unikernel. *)
let handle ~topic (value : Yojson.Safe.t) : (Yojson.Safe.t, string) result Lwt.t =
  match topic with
  | "echo" -> Lwt.return (Ok value)
  | other -> Lwt.return (Error ("no handler for topic " ^ other))
