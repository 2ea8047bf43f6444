(* A tiny test harness: counts, reports each failure, and ends with the plain closing line. *)
let passed = ref 0
let failed = ref 0

let check name cond detail =
  if cond then incr passed
  else (incr failed; Printf.printf "FAIL %s: %s\n%!" name (Lazy.force detail))

let run name f =
  match f () with
  | () -> ()
  | exception e -> incr failed; Printf.printf "FAIL %s: exception %s\n%!" name (Printexc.to_string e)

let finish suite =
  Printf.printf "%s: %d passed, %d failed\n%!" suite !passed !failed;
  exit (if !failed = 0 then 0 else 1)
