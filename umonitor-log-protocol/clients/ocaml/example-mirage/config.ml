(* mirage >= 4.9.0: Mirage_runtime.register_arg, Mirage_sleep and Mirage_mtime without functors.
   umonitor-log is not in opam-repository: see README.md for how the build finds it. *)
open Mirage

let pin = Sys.getenv_opt "UMONITOR_LOG_PIN"
let packages = [ package ?pin "umonitor-log" ~sublibs:[ "mirage" ] ]
let main = main ~packages "Unikernel.Main" (stackv4v6 @-> job)
let () = register "umonitor-demo" [ main $ generic_stackv4v6 default_network ]
