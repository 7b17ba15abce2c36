#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Compare `lisp-decode -j` output with a tshark 4.0.17 field baseline.

usage: decode_compare.py NAME OURS.jsonl TSHARK.fields.tsv DECISIONS

For every frame of the baseline, the tshark columns that have a
counterpart in our JSON (see FIELDS) are rebuilt from our output, in
tshark's order (tree order, all occurrences, outer before inner), and
compared as lists: numbers as integers whatever their base, everything
else as lower-case strings.

Frames are classified as follows:
  * DECISIONS lists (capture, frame, "error" | "decoded") for every frame
    on which tshark reports a LISP expert message or a malformed packet.
    "error" means we must print an error line for it; "decoded" means we
    decode it and every field is compared as usual.
  * A frame carrying lisp-tcp.message.type must be reported by us as
    "lisp": "tcp" (reliable transport is not decoded, not an error).
  * Any other frame with a LISP field in the baseline must be decoded
    by us and compared; a frame without one must not appear in our output.

Prints one line per mismatch and a summary line
  NAME: frames=F compared=C columns=K values=V errors_asserted=E tcp=T
        mismatches=M
(columns: column comparisons, an empty column included; values: non-empty
tshark values that had to match)
and exits 1 on any mismatch.  Only the Python standard library is used.
"""
import json
import sys

# Expert messages that say nothing about LISP (Ethernet, TCP handshakes).
NON_LISP_EXPERT = (
    "Source MAC must not be a group address: IEEE 802.3-2002, "
    "Section 3.2.3(b)",
    "Connection establish request (SYN): server port 4342",
    "Connection establish acknowledge (SYN+ACK): server port 4342",
)

# tshark column -> kind of comparison
FIELDS = {
    "ip.src": "str", "ip.dst": "str", "ipv6.src": "str", "ipv6.dst": "str",
    "udp.srcport": "int", "udp.dstport": "int",
    "lisp.type": "int", "lisp.records": "int", "lisp.nonce": "int",
    "lisp.keyid": "int", "lisp.authlen": "int", "lisp.irc": "int",
    "lisp.mreq.flags": "int",
    "lisp.mapping.ttl": "int", "lisp.mapping.act": "int",
    "lisp.mapping.auth": "int", "lisp.mapping.eid.afi": "int",
    "lisp.mapping.eid.masklen": "int", "lisp.mapping.eid.ipv4": "str",
    "lisp.mapping.eid.ipv6": "str",
    "lisp.mreq.record.prefix.ipv4": "str",
    "lisp.mreq.record.prefix.ipv6": "str",
    "lisp.lcaf.type": "int", "lisp.lcaf.iid": "int",
    "lisp.loc.locator": "str", "lisp.loc.priority": "int",
    "lisp.loc.weight": "int", "lisp.loc.flags": "int",
    "lisp.xtrid": "str",
    "lisp-data.flags": "int", "lisp-data.nonce": "int",
    "lisp-data.iid": "int", "lisp-data.lsb": "int",
}
# Columns whose presence means tshark saw LISP in the frame.
LISP_COLS = [c for c in FIELDS if c.startswith("lisp")] + \
    ["lisp-tcp.message.type"]

RECORD_TYPES = (1, 2, 3, 4, 5, 6)


def add_ip(f, ipv, src, dst):
    pre = "ip" if ipv == 4 else "ipv6"
    f[pre + ".src"].append(src)
    f[pre + ".dst"].append(dst)


def lcafs(node, out):
    """Every LCAF object, depth first, in key (= wire) order."""
    if isinstance(node, dict):
        if "lcaf_type" in node:
            out.append(node)
        for v in node.values():
            lcafs(v, out)
    elif isinstance(node, list):
        for v in node:
            lcafs(v, out)


def eid_record(f, r):
    f["lisp.mapping.ttl"].append(r["ttl"])
    f["lisp.mapping.act"].append(r["act"])
    f["lisp.mapping.auth"].append(r["A"])
    f["lisp.mapping.eid.afi"].append(r["eid"]["afi"])
    f["lisp.mapping.eid.masklen"].append(r["mask_len"])
    if r["eid"]["afi"] == 1:
        f["lisp.mapping.eid.ipv4"].append(r["eid"]["address"])
    elif r["eid"]["afi"] == 2:
        f["lisp.mapping.eid.ipv6"].append(r["eid"]["address"])
    for loc in r["locators"]:
        if loc["afi"] in (1, 2):
            f["lisp.loc.locator"].append(loc["address"])
        f["lisp.loc.priority"].append(loc["priority"])
        f["lisp.loc.weight"].append(loc["weight"])
        f["lisp.loc.flags"].append(loc["loc_flags"])


def message(f, m, fields_lcaf):
    t = m["type"]
    f["lisp.type"].append(t)
    if t in RECORD_TYPES:
        f["lisp.records"].append(m["record_count"])
    if "nonce" in m:
        f["lisp.nonce"].append(int(m["nonce"], 16))
    if "key_id" in m:
        f["lisp.keyid"].append(m["key_id"] << 8 | m["alg_id"])
        f["lisp.authlen"].append(m["auth_len"])
    if t == 1:
        f["lisp.irc"].append(m["itr_rloc_count"] - 1)
        bits = {"A": 0x20, "M": 0x10, "P": 0x08, "S": 0x04, "p": 0x02,
                "s": 0x01}
        f["lisp.mreq.flags"].append(sum(bits.get(x, 0) for x in m["flags"]))
        for r in m["eid_records"]:
            if r["eid"]["afi"] == 1:
                f["lisp.mreq.record.prefix.ipv4"].append(r["eid"]["address"])
            elif r["eid"]["afi"] == 2:
                f["lisp.mreq.record.prefix.ipv6"].append(r["eid"]["address"])
        if "map_reply" in m:
            eid_record(f, m["map_reply"])
    for r in m.get("records", []):
        eid_record(f, r)
    if "xtr_id" in m:
        f["lisp.xtrid"].append(m["xtr_id"])
    if t == 8:
        inner = m["inner"]
        add_ip(f, inner["ip_version"], inner["src"], inner["dst"])
        f["udp.srcport"].append(inner["sport"])
        f["udp.dstport"].append(inner["dport"])
        if "message" in m:
            message(f, m["message"], fields_lcaf)
    else:
        ls = []
        lcafs(m, ls)
        fields_lcaf.extend(ls)


def rebuild(o):
    """tshark columns from one of our JSON frame objects."""
    f = {k: [] for k in FIELDS}
    out = o["outer"]
    add_ip(f, out["ip_version"], out["src"], out["dst"])
    if out["proto"] == "udp":
        f["udp.srcport"].append(out["sport"])
        f["udp.dstport"].append(out["dport"])
    ls = []
    if o["lisp"] == "control":
        message(f, o["message"], ls)
    elif o["lisp"] == "data":
        d = o["data"]
        f["lisp-data.flags"].append(int(d["flags_byte"], 16))
        if "nonce" in d:
            f["lisp-data.nonce"].append(d["nonce"])
        if "iid" in d:
            f["lisp-data.iid"].append(d["iid"])
        elif "lsb" in d:
            f["lisp-data.lsb"].append(d["lsb"])
        inner = d["inner"]
        if "src" in inner:
            add_ip(f, inner["ip_version"], inner["src"], inner["dst"])
            if inner["proto"] == 17 and "sport" in inner:
                f["udp.srcport"].append(inner["sport"])
                f["udp.dstport"].append(inner["dport"])
            if "message" in inner:
                message(f, inner["message"], ls)
    for lc in ls:
        f["lisp.lcaf.type"].append(lc["lcaf_type"])
        if lc["lcaf_type"] == 2:
            f["lisp.lcaf.iid"].append(lc["iid"])
    return f


def norm(kind, v):
    v = str(v).strip()
    if kind == "int":
        return int(v, 0)
    return v.lower()


def main():
    name, ours_path, tsv_path, dec_path = sys.argv[1:5]
    decisions = {}
    with open(dec_path) as fh:
        for line in fh:
            line = line.split("#", 1)[0].split()
            if len(line) >= 3 and line[0] == name:
                decisions[int(line[1])] = line[2]
    ours = {}
    with open(ours_path) as fh:
        for line in fh:
            o = json.loads(line)
            if o["frame"] in ours:
                print(f"{name}: frame {o['frame']}: printed twice")
                return 1
            ours[o["frame"]] = o
    with open(tsv_path) as fh:
        rows = [l.rstrip("\n").split("\t") for l in fh]
    hdr, rows = rows[0], rows[1:]
    known = set(FIELDS) | {"frame.number", "lisp-tcp.message.type",
                           "_ws.expert.message"}
    if set(hdr) - known:
        print(f"{name}: baseline columns without a counterpart: "
              f"{sorted(set(hdr) - known)}")
        return 1
    mism = 0
    nfields = ncols = ncompared = nerr = ntcp = 0
    seen = set()

    def bad(frame, msg):
        nonlocal mism
        mism += 1
        print(f"MISMATCH {name}: frame {frame}: {msg}")

    for row in rows:
        col = dict(zip(hdr, row + [""] * (len(hdr) - len(row))))
        fr = int(col["frame.number"])
        seen.add(fr)
        o = ours.get(fr)
        expert = col["_ws.expert.message"]
        for e in NON_LISP_EXPERT:
            expert = expert.replace(e, "")
        expert = expert.strip(", ")
        has_lisp = any(col.get(c, "") for c in LISP_COLS)
        if expert and fr not in decisions:
            bad(fr, f"tshark reports '{expert}' but no decision is recorded")
            continue
        dec = decisions.get(fr)
        if dec == "error":
            if o is None or "error" not in o:
                bad(fr, f"expected an error line, got {o}")
            else:
                nerr += 1
            continue
        if col.get("lisp-tcp.message.type"):
            if o is None or o.get("lisp") != "tcp":
                bad(fr, f"expected LISP-TCP, got {o}")
            else:
                ntcp += 1
            continue
        if not has_lisp:
            if o is not None:
                bad(fr, f"tshark has no LISP here but we printed {o}")
            continue
        if o is None or "error" in o:
            bad(fr, f"tshark decoded LISP, we printed {o}")
            continue
        ncompared += 1
        f = rebuild(o)
        for c, kind in FIELDS.items():
            if c not in col:
                continue
            want = [norm(kind, x) for x in col[c].split(",") if x != ""]
            got = [norm(kind, x) for x in f[c]]
            ncols += 1
            nfields += len(want)
            if want != got:
                bad(fr, f"{c}: tshark {want} ours {got}")
    for fr in sorted(set(ours) - seen):
        bad(fr, "printed by us but not in the baseline")
    for fr, dec in sorted(decisions.items()):
        if fr not in seen:
            bad(fr, f"decision {dec} for a frame not in the baseline")
    print(f"{name}: frames={len(rows)} compared={ncompared} columns={ncols} "
          f"values={nfields} "
          f"errors_asserted={nerr} tcp={ntcp} mismatches={mism}")
    return 1 if mism else 0


if __name__ == "__main__":
    sys.exit(main())
