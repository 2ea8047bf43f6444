(* Every shared test vector (umonitor-log-protocol/vectors, PROTOCOL.md section 9) against this
   codec: decoding gives the vector's frames, error and console text, and encoding the frames of a
   valid frame/tcp/udp vector gives its bytes exactly. *)
open Umonitor_log
module J = Vector_json

let rec find_vectors dir =
  let candidate = Filename.concat dir "vectors" in
  if Sys.file_exists (Filename.concat dir "PROTOCOL.md") && Sys.file_exists candidate then Some candidate
  else
    let parent = Filename.dirname dir in
    if parent = dir then None else find_vectors parent

let vectors_dir () =
  match Sys.getenv_opt "UMONITOR_VECTORS" with
  | Some d -> d
  | None -> (
      match find_vectors (Sys.getcwd ()) with
      | Some d -> d
      | None ->
          prerr_endline "test_vectors: no vectors directory beside PROTOCOL.md above the working directory; set UMONITOR_VECTORS to umonitor-log-protocol/vectors";
          exit 2)

let show frames = Yojson.Safe.to_string (`List frames)

let test_vector path =
  let name = Filename.basename path in
  let j = Yojson.Safe.from_file path in
  let opt k = match j with `Assoc l -> List.assoc_opt k l | _ -> None in
  let expected_frames = match opt "frames" with Some (`List l) -> List.map J.normalize l | _ -> [] in
  let expected_error = match opt "error" with Some (`String e) -> Some e | _ -> None in
  let transport = J.str "transport" j in
  let check_frames frames =
    let got = List.map (fun f -> J.normalize (J.to_json f)) frames in
    Check.check (name ^ " frames") (got = expected_frames)
      (lazy (Printf.sprintf "expected %s\n  got      %s" (show expected_frames) (show got)))
  in
  let check_error (got : Frame.error option) =
    let got_name = Option.map (fun (e : Frame.error) -> Frame.error_code_name e.code) got in
    Check.check (name ^ " error") (got_name = expected_error)
      (lazy (Printf.sprintf "expected %s, got %s" (Option.value expected_error ~default:"no error")
               (match got with Some e -> Fmt.str "%a" Frame.pp_error e | None -> "no error")))
  in
  let check_encoding bytes =
    if expected_error = None then
      let frames = List.map J.of_json (match opt "frames" with Some (`List l) -> l | _ -> []) in
      let encoded = String.concat "" (List.map Frame.encode frames) in
      Check.check (name ^ " encoding") (encoded = bytes)
        (lazy (Printf.sprintf "expected %s\n  got      %s" (J.hex bytes) (J.hex encoded)))
  in
  match transport with
  | "frame" | "tcp" ->
      let bytes = J.unhex (J.str "hex" j) in
      let frames, error = Frame.decode_stream ~tcp:(transport = "tcp") bytes in
      check_frames frames; check_error error; check_encoding bytes
  | "udp" ->
      let bytes = J.unhex (J.str "hex" j) in
      (match Frame.decode_datagram bytes with
       | Ok frames -> check_frames frames; check_error None
       | Error e -> check_frames []; check_error (Some e));
      check_encoding bytes
  | "console" ->
      let r = Frame.decode_console (J.str "text" j) in
      check_frames r.frames;
      check_error (match r.errors with e :: _ -> Some e | [] -> None);
      let expected_text =
        match opt "console_text" with
        | Some (`List l) -> List.map (function `String s -> s | _ -> failwith "console_text") l
        | _ -> []
      in
      Check.check (name ^ " console_text") (r.console_text = expected_text)
        (lazy (Printf.sprintf "expected %s\n  got      %s"
                 (String.concat " | " (List.map String.escaped expected_text))
                 (String.concat " | " (List.map String.escaped r.console_text))));
      (* Console lines carry one frame each: re-encoding gives the @UM1 lines back. *)
      if expected_error = None && r.errors = [] then
        List.iter
          (fun f ->
            let line = String.sub (Frame.console_line f) 0 (String.length (Frame.console_line f) - 1) in
            Check.check (name ^ " console encoding")
              (List.exists (fun l -> l = line || l = line ^ "\r") (String.split_on_char '\n' (J.str "text" j)))
              (lazy ("no input line equals " ^ line)))
          r.frames
  | t -> Check.check (name ^ " transport") false (lazy ("unknown transport " ^ t))

let () =
  let dir = vectors_dir () in
  let files = Sys.readdir dir |> Array.to_list |> List.filter (fun f -> Filename.check_suffix f ".json") |> List.sort compare in
  if files = [] then (Printf.printf "test_vectors: no *.json in %s\n" dir; exit 2);
  List.iter (fun f -> Check.run f (fun () -> test_vector (Filename.concat dir f))) files;
  Printf.printf "%d vectors from %s\n" (List.length files) dir;
  Check.finish "vectors"
