(* RFC 3629 well-formedness (table 3-7 of Unicode): no overlong forms, no surrogates, nothing above
   U+10FFFF. [scan] returns the length of the well-formed sequence at [i], or 0 if there is none. *)
let scan s i n =
  let byte k = if i + k < n then Char.code (String.unsafe_get s (i + k)) else -1 in
  let cont k lo hi = let b = byte k in b >= lo && b <= hi in
  let c = byte 0 in
  if c < 0x80 then 1
  else if c >= 0xC2 && c <= 0xDF then if cont 1 0x80 0xBF then 2 else 0
  else if c = 0xE0 then if cont 1 0xA0 0xBF && cont 2 0x80 0xBF then 3 else 0
  else if (c >= 0xE1 && c <= 0xEC) || c = 0xEE || c = 0xEF then
    if cont 1 0x80 0xBF && cont 2 0x80 0xBF then 3 else 0
  else if c = 0xED then if cont 1 0x80 0x9F && cont 2 0x80 0xBF then 3 else 0
  else if c = 0xF0 then
    if cont 1 0x90 0xBF && cont 2 0x80 0xBF && cont 3 0x80 0xBF then 4 else 0
  else if c >= 0xF1 && c <= 0xF3 then
    if cont 1 0x80 0xBF && cont 2 0x80 0xBF && cont 3 0x80 0xBF then 4 else 0
  else if c = 0xF4 then
    if cont 1 0x80 0x8F && cont 2 0x80 0xBF && cont 3 0x80 0xBF then 4 else 0
  else 0

let is_valid s =
  let n = String.length s in
  let rec go i = i >= n || (let k = scan s i n in k > 0 && go (i + k)) in
  go 0

let sanitize s =
  if is_valid s then s
  else begin
    let n = String.length s in
    let b = Buffer.create (n + 16) in
    let rec go i =
      if i < n then
        let k = scan s i n in
        if k = 0 then (Buffer.add_string b "\xEF\xBF\xBD"; go (i + 1))
        else (Buffer.add_string b (String.sub s i k); go (i + k))
    in
    go 0;
    Buffer.contents b
  end

let truncate s max =
  if String.length s <= max then s
  else
    (* Cut before a continuation byte never splits a character of a well-formed string. *)
    let rec back i = if i > 0 && Char.code s.[i] land 0xC0 = 0x80 then back (i - 1) else i in
    String.sub s 0 (back max)
