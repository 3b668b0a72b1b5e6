# Turns the Hyper-V ABI headers (include/hyperv/) into the name tables the
# trace prints and the fault specs accept, so a register, status or message
# added to a header is named without another list to keep in step.
#
#   awk -f hv_names.awk -v table=NAME -v prefix=PFX_REGEX [-v block=REGEX] HEADER
#
# Emits "static const struct trace_name NAME[] = { ... };" from every
# "PFXFOO = VALUE," enum entry or "#define PFXFOO VALUE" line (within the
# lines from /block/ to the closing "};" when block is given), sorted by
# value, with PFX stripped.
BEGIN { inside = block == "" }
block != "" && $0 ~ block { inside = 1; next }
block != "" && inside && /^};/ { inside = 0 }
!inside { next }
{
	name = ""; val = ""
	if ($1 == "#define" && $2 ~ ("^" prefix) && $3 ~ /^(0[xX][0-9a-fA-F]+|[0-9]+)$/) {
		name = $2; val = $3
	} else if ($1 ~ ("^" prefix) && $2 == "=") {
		name = $1; val = $3; sub(/,.*/, "", val)
	}
	if (name == "" || val !~ /^(0[xX][0-9a-fA-F]+|[0-9]+)$/)
		next
	sub("^" prefix, "", name)
	n++; names[n] = name; vals[n] = val
}
function num(v) { return v ~ /^0[xX]/ ? strtonum_hex(v) : v + 0 }
function strtonum_hex(v,   i, c, r) {
	r = 0
	for (i = 3; i <= length(v); i++) {
		c = index("0123456789abcdef", tolower(substr(v, i, 1))) - 1
		r = r * 16 + c
	}
	return r
}
END {
	# insertion sort by value: the tables are small
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && num(vals[j]) < num(vals[j - 1]); j--) {
			t = vals[j]; vals[j] = vals[j - 1]; vals[j - 1] = t
			t = names[j]; names[j] = names[j - 1]; names[j - 1] = t
		}
	printf "static const struct trace_name %s[] = {\n", table
	for (i = 1; i <= n; i++)
		printf "\t{ %s, \"%s\" },\n", vals[i], names[i]
	printf "};\n"
}
