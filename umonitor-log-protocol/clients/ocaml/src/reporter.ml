let level = function
  | Logs.App | Logs.Info -> Frame.Info
  | Logs.Warning -> Frame.Warn
  | Logs.Error -> Frame.Error
  | Logs.Debug -> Frame.Debug

let attributes ?header tags =
  let of_tag (Logs.Tag.V (def, v)) acc =
    (Logs.Tag.name def, Frame.String (Fmt.str "%a" (Logs.Tag.printer def) v)) :: acc
  in
  let tags = List.rev (Logs.Tag.fold of_tag tags []) in
  match header with Some h -> tags @ [ ("header", Frame.String h) ] | None -> tags

let make session ~send ~nested =
  let busy = ref false in
  let report src lvl ~over k msgf =
    msgf @@ fun ?header ?(tags = Logs.Tag.empty) fmt ->
    Format.kasprintf
      (fun message ->
        let r =
          Session.record session ~level:(level lvl) ~logger:(Logs.Src.name src)
            ~attributes:(attributes ?header tags) message
        in
        if !busy then nested (Frame.Record r)
        else begin
          busy := true;
          Fun.protect ~finally:(fun () -> busy := false) (fun () -> send (Frame.Record r))
        end;
        over ();
        k ())
      fmt
  in
  { Logs.report }

let default_out s = print_string s; flush stdout

let console ?(out = default_out) session =
  let said_hello = ref false in
  let write f =
    if not !said_hello then (said_hello := true; out (Frame.console_line (Session.hello session)));
    out (Frame.console_line f)
  in
  make session ~send:write ~nested:write
