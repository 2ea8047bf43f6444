let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

let encode s =
  let n = String.length s in
  let out = Bytes.create ((n + 2) / 3 * 4) in
  let emit i v = Bytes.unsafe_set out i alphabet.[v land 63] in
  let rec go i o =
    if i + 3 <= n then begin
      let v = (Char.code s.[i] lsl 16) lor (Char.code s.[i + 1] lsl 8) lor Char.code s.[i + 2] in
      emit o (v lsr 18); emit (o + 1) (v lsr 12); emit (o + 2) (v lsr 6); emit (o + 3) v;
      go (i + 3) (o + 4)
    end else if n - i = 2 then begin
      let v = (Char.code s.[i] lsl 16) lor (Char.code s.[i + 1] lsl 8) in
      emit o (v lsr 18); emit (o + 1) (v lsr 12); emit (o + 2) (v lsr 6);
      Bytes.set out (o + 3) '='
    end else if n - i = 1 then begin
      let v = Char.code s.[i] lsl 16 in
      emit o (v lsr 18); emit (o + 1) (v lsr 12);
      Bytes.set out (o + 2) '='; Bytes.set out (o + 3) '='
    end
  in
  go 0 0;
  Bytes.unsafe_to_string out

let value = function
  | 'A' .. 'Z' as c -> Char.code c - 65
  | 'a' .. 'z' as c -> Char.code c - 97 + 26
  | '0' .. '9' as c -> Char.code c - 48 + 52
  | '+' -> 62
  | '/' -> 63
  | _ -> -1

(* Strict RFC 4648 section 4: padding required, nothing outside the alphabet, and the unused bits of
   the last symbol zero (section 3.5 lets decoders reject them; a canonical encoder never sets them). *)
let decode s =
  let n = String.length s in
  if n mod 4 <> 0 then Error (Printf.sprintf "length %d is not a multiple of 4" n)
  else
    let pad =
      if n >= 1 && s.[n - 1] = '=' then if n >= 2 && s.[n - 2] = '=' then 2 else 1 else 0
    in
    let out = Buffer.create (n / 4 * 3) in
    let rec go i =
      if i >= n then Ok (Buffer.contents out)
      else
        let last = i + 4 = n in
        let v k = value s.[i + k] in
        let a = v 0 and b = v 1 in
        let c = if last && pad = 2 then 0 else v 2 in
        let d = if last && pad >= 1 then 0 else v 3 in
        if a < 0 || b < 0 || c < 0 || d < 0 then
          Error (Printf.sprintf "character outside the base64 alphabet in group at %d" i)
        else
          let w = (a lsl 18) lor (b lsl 12) lor (c lsl 6) lor d in
          if last && pad = 2 then
            if w land 0xFFFF <> 0 then Error "non-zero padding bits"
            else (Buffer.add_char out (Char.chr (w lsr 16)); go (i + 4))
          else if last && pad = 1 then
            if w land 0xFF <> 0 then Error "non-zero padding bits"
            else begin
              Buffer.add_char out (Char.chr (w lsr 16));
              Buffer.add_char out (Char.chr ((w lsr 8) land 0xFF));
              go (i + 4)
            end
          else begin
            Buffer.add_char out (Char.chr (w lsr 16));
            Buffer.add_char out (Char.chr ((w lsr 8) land 0xFF));
            Buffer.add_char out (Char.chr (w land 0xFF));
            go (i + 4)
          end
    in
    go 0
