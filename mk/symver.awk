# SPDX-License-Identifier: MIT
# An export list (src/libvsmmu.sym) to its symbol version nodes.  Names
# before the first "#@ NODE" line belong to node `first`; each "#@ NODE"
# line starts a node that inherits the one before it.
#   mode=script: the linker's version script (the first node also makes
#                every other symbol local);
#   mode=pairs:  "name@@NODE", one a line (tests/symbols).
function flush() {
    if (mode != "script" || node == "")
        return
    printf "%s {\nglobal:\n%s", node, names
    if (prev == "")
        printf "local:\n    *;\n};\n"
    else
        printf "} %s;\n", prev
    prev = node
}
BEGIN { node = first; prev = ""; names = "" }
/^#@[ \t]/ { flush(); node = $2; names = ""; next }
{
    sub(/#.*/, "")
    gsub(/[ \t]/, "")
    if ($0 == "")
        next
    names = names "    " $0 ";\n"
    if (mode == "pairs")
        print $0 "@@" node
}
END { flush() }
