#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Compare the expected fields of gen_ctrl with tshark and with lisp-decode.

usage: ctrl_compare.py EXPECTED.tsv TSHARK.tsv OURS.jsonl

EXPECTED.tsv (from build/tests/helpers/gen_ctrl): one row per frame, one
column per tshark field, values comma-joined in wire order; a column
whose name ends in "~" holds a substring of the tshark value.

TSHARK.tsv: `tshark -T fields -E header=y -E occurrence=a -E aggregator=,`
with frame.number, every expected column (without "~"), _ws.malformed and
_ws.expert.message.  Checked, for every frame and every expected column:
  * values equal (integers whatever their base, booleans as 0/1, byte
    strings without colons, everything else case-insensitive);
  * _ws.malformed empty;
  * _ws.expert.message equal to the expected one (empty unless the
    generator lists a known tshark 4.0 limitation for that frame).

OURS.jsonl (`lisp-decode -j -k password`): the columns that have a
counterpart in our JSON are rebuilt from it and compared the same way
(round trip through our own decoder); every signed message must show
"auth": "valid".

Prints mismatches and one summary line; exits 1 on any mismatch.
"""
import json
import re
import sys

INT_RE = re.compile(r"^(0x[0-9a-fA-F]+|[1-9][0-9]*|0)$")
BYTES_RE = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})+$")


def norm1(v):
    v = v.strip()
    if v in ("True", "False"):
        return 1 if v == "True" else 0
    if INT_RE.match(v):
        return int(v, 0)
    if BYTES_RE.match(v):
        v = v.replace(":", "")
    return v.lower()


def norm(v):
    return [norm1(x) for x in str(v).split(",") if x != ""]


def read_tsv(path):
    with open(path) as fh:
        rows = [l.rstrip("\n").split("\t") for l in fh if l.strip()]
    hdr = rows[0]
    out = {}
    for r in rows[1:]:
        r += [""] * (len(hdr) - len(r))
        d = dict(zip(hdr, r))
        out[int(d["frame.number"])] = d
    return hdr, out


# --- our JSON -> tshark columns ----------------------------------------

def addr(f, pre, a, v6=None, afi=True):
    """pre.afi, pre.ipv4, pre.ipv6 and LCAF fields; afi=False: the
    ITR-RLOC naming (pre_ipv4, pre_ipv6)."""
    sep = "." if afi else "_"
    if afi:
        f.setdefault(pre + ".afi", []).append(a["afi"])
    if a["afi"] == 1:
        f.setdefault(pre + sep + "ipv4", []).append(a["address"])
    elif a["afi"] == 2:
        f.setdefault(v6 or pre + sep + "ipv6", []).append(a["address"])
    elif a["afi"] == 16387:
        lcaf(f, a["lcaf"])


def lcaf(f, l):
    t = l["lcaf_type"]
    f.setdefault("lisp.lcaf.type", []).append(t)
    if t == 1:
        for a in l["addresses"]:
            addr(f, "lisp.lcaf.afi_list", a)
    elif t == 2:
        f.setdefault("lisp.lcaf.iid", []).append(l["iid"])
        addr(f, "lisp.lcaf.iid", l["address"])
    elif t == 3:
        f.setdefault("lisp.lcaf.asn", []).append(l["asn"])
        addr(f, "lisp.lcaf.asn", l["address"])
    elif t == 7:
        f.setdefault("lisp.lcaf.natt.msport", []).append(l["ms_port"])
        f.setdefault("lisp.lcaf.natt.etrport", []).append(l["etr_port"])
        for a in [l["global_etr"], l["ms"], l["private_etr"]] + l["rtrs"]:
            addr(f, "lisp.lcaf.natt.rloc", a)
    elif t == 9:
        f.setdefault("lisp.lcaf.mcinfo_iid", []).append(l["iid"])
        f.setdefault("lisp.lcaf.mcinfo.src.masklen", []).append(
            l["src_mask_len"])
        f.setdefault("lisp.lcaf.mcinfo.grp.masklen", []).append(
            l["grp_mask_len"])
        addr(f, "lisp.lcaf.mcinfo.src", l["src"])
        addr(f, "lisp.lcaf.mcinfo.grp", l["grp"])
    elif t == 10:
        for h in l["hops"]:
            f.setdefault("lisp.lcaf.elp_hop.flags", []).append(h["hop_flags"])
            addr(f, "lisp.lcaf.elp_hop", h)
    elif t == 12:
        f.setdefault("lisp.lcaf.srcdst.src.masklen", []).append(
            l["src_mask_len"])
        f.setdefault("lisp.lcaf.srcdst.dst.masklen", []).append(
            l["dst_mask_len"])
        addr(f, "lisp.lcaf.srcdst.src", l["src"])
        addr(f, "lisp.lcaf.srcdst.dst", l["dst"])
    elif t == 13:
        for e in l["entries"]:
            f.setdefault("lisp.lcaf.rle_entry.level", []).append(e["level"])
            addr(f, "lisp.lcaf.rle_entry", e)
    elif t == 15:
        addr(f, "lisp.lcaf.kv_key", l["key"])
        addr(f, "lisp.lcaf.kv_value", l["value"])


def record(f, r, referral):
    a = f.setdefault
    a("lisp.mapping.ttl", []).append(r["ttl"])
    a("lisp.mapping.loccnt", []).append(r["locator_count"])
    a("lisp.mapping.eid.masklen", []).append(r["mask_len"])
    a("lisp.mapping.act", []).append(r["act"])
    a("lisp.mapping.auth", []).append(r["A"])
    if referral:
        a("lisp.referral.incomplete", []).append(r["I"])
        a("lisp.referral.sigcnt", []).append(r["sig_count"])
    a("lisp.mapping.ver", []).append(r["version"])
    addr(f, "lisp.mapping.eid", r["eid"])
    for loc in r["locators"]:
        a("lisp.loc.priority", []).append(loc["priority"])
        a("lisp.loc.weight", []).append(loc["weight"])
        a("lisp.loc.multicast_priority", []).append(loc["mpriority"])
        a("lisp.loc.multicast_weight", []).append(loc["mweight"])
        a("lisp.loc.flags", []).append(loc["loc_flags"])
        a("lisp.loc.flags.local", []).append(int("L" in loc["flags"]))
        a("lisp.loc.flags.probe", []).append(int("p" in loc["flags"]))
        a("lisp.loc.flags.reach", []).append(int("R" in loc["flags"]))
        a("lisp.loc.afi", []).append(loc["afi"])
        if loc["afi"] in (1, 2):
            a("lisp.loc.locator", []).append(loc["address"])
        elif "lcaf" in loc:
            lcaf(f, loc["lcaf"])


def ipudp(f, ipv, src, dst, sport=None, dport=None):
    pre = "ip" if ipv == 4 else "ipv6"
    f.setdefault(pre + ".src", []).append(src)
    f.setdefault(pre + ".dst", []).append(dst)
    if sport is not None:
        f.setdefault("udp.srcport", []).append(sport)
        f.setdefault("udp.dstport", []).append(dport)


def message(f, m, bad):
    a = f.setdefault
    t = m["type"]
    a("lisp.type", []).append(t)
    fl = m.get("flags", [])
    if t == 5:
        return
    if "nonce" in m:
        a("lisp.nonce", []).append(int(m["nonce"], 16))
    if "record_count" in m:
        a("lisp.records", []).append(m["record_count"])
    if "key_id" in m:
        a("lisp.keyid", []).append(m["key_id"] << 8 | m["alg_id"])
        a("lisp.authlen", []).append(m["auth_len"])
        a("lisp.auth", []).append(m["auth_data"])
        if m.get("auth") != "valid":
            bad(f"auth is {m.get('auth')}, want valid")
    if t == 1:
        for k, b in (("auth", "A"), ("mrp", "M"), ("probe", "P"),
                     ("smr", "S"), ("pitr", "p"), ("smri", "s")):
            a("lisp.mreq.flags." + k, []).append(int(b in fl))
        a("lisp.mreq.res", []).append(2 * ("L" in fl) + ("D" in fl))
        a("lisp.irc", []).append(m["itr_rloc_count"] - 1)
        addr(f, "lisp.mreq.srceid", m["source_eid"],
             v6="lisp.mreq.srceid_ipv6")
        for r in m["itr_rlocs"]:
            a("lisp.mreq.itr_rloc.afi", []).append(r["afi"])
            addr(f, "lisp.mreq.itr_rloc", r, afi=False)
        for r in m["eid_records"]:
            a("lisp.mreq.record.prefix.length", []).append(r["mask_len"])
            addr(f, "lisp.mreq.record.prefix", r["eid"])
        if "map_reply" in m:
            record(f, m["map_reply"], False)
    elif t == 2:
        for k, b in (("probe", "P"), ("enlr", "E"), ("sec", "S")):
            a("lisp.mrep.flags." + k, []).append(int(b in fl))
    elif t == 3:
        for k, b in (("pmr", "P"), ("sec", "S"), ("xtrid", "I"),
                     ("rtr", "R"), ("wmn", "M")):
            a("lisp.mreg.flags." + k, []).append(int(b in fl))
    elif t == 4:
        for k, b in (("xtrid", "I"), ("rtr", "R")):
            a("lisp.mnot.flags." + k, []).append(int(b in fl))
    elif t == 7:
        a("lisp.info.r", []).append(m["R"])
        a("lisp.info.ttl", []).append(m["ttl"])
        a("lisp.info.prefix.masklen", []).append(m["mask_len"])
        addr(f, "lisp.info.prefix", m["eid"])
        a("lisp.info.afi", []).append(m["info_address"]["afi"])
        if "lcaf" in m["info_address"]:
            lcaf(f, m["info_address"]["lcaf"])
    elif t == 8:
        a("lisp.ecm.flags.sec", []).append(int("S" in fl))
        a("lisp.ecm.flags.ddt", []).append(int("D" in fl))
        i = m["inner"]
        ipudp(f, i["ip_version"], i["src"], i["dst"], i["sport"], i["dport"])
        message(f, m["message"], bad)
    for r in m.get("records", []):
        record(f, r, t == 6)
    if "xtr_id" in m:
        a("lisp.xtrid", []).append(m["xtr_id"])
        a("lisp.siteid", []).append("%016x" % m["site_id"])


def data(f, d):
    a = f.setdefault
    fb = int(d["flags_byte"], 16)
    a("lisp-data.flags", []).append(fb)
    for k, b in (("nonce", 0x80), ("lsb", 0x40), ("enr", 0x20),
                 ("mv", 0x10), ("iid", 0x08)):
        a("lisp-data.flags." + k, []).append(int(bool(fb & b)))
    a("lisp-data.flags.res", []).append(fb & 7)
    if "nonce" in d:
        a("lisp-data.nonce", []).append(d["nonce"])
    if "src_map_version" in d:
        a("lisp-data.srcmapver", []).append(d["src_map_version"])
        a("lisp-data.dstmapver", []).append(d["dst_map_version"])
    if "iid" in d:
        a("lisp-data.iid", []).append(d["iid"])
    if "lsb" in d:
        a("lisp-data.lsb8" if "iid" in d else "lisp-data.lsb", []).append(
            d["lsb"])
    i = d["inner"]
    if "src" in i:
        ipudp(f, i["ip_version"], i["src"], i["dst"])


# Columns our decoder has no counterpart for (tshark-only details).
NOT_OURS = re.compile(r"^(_ws\.|(udp|ip)\.checksum|lisp\.lcaf\.length|"
                      r"lisp\.lcaf\.geo|lisp\.lcaf\.vendor|"
                      r"lisp\.lcaf\.mcinfo\.flags|lisp\.lcaf_mcinfo|"
                      r"lisp\.lcaf\.elp_hop\.flags\.|lisp\.lcaf_elp_hop)")


def main():
    exp_path, ts_path, ours_path = sys.argv[1:4]
    ehdr, exp = read_tsv(exp_path)
    _, ts = read_tsv(ts_path)
    ours = {}
    with open(ours_path) as fh:
        for line in fh:
            o = json.loads(line)
            ours[o["frame"]] = o
    cols = [c for c in ehdr if c != "frame.number"]
    if "_ws.expert.message" not in cols:
        cols.append("_ws.expert.message")
    nmis = nts = nour = nours_cols = 0
    mism = []

    for fr in sorted(exp):
        e, t = exp[fr], ts.get(fr)

        def bad(msg, fr=fr):
            mism.append(f"MISMATCH frame {fr}: {msg}")

        if t is None:
            bad("missing from tshark output")
            continue
        if t.get("_ws.malformed", ""):
            bad(f"tshark: malformed ({t['_ws.malformed']})")
        for c in cols:
            want = e.get(c, "")
            if c.endswith("~"):
                got = t.get(c[:-1], "")
                nts += 1
                if want not in got:
                    bad(f"tshark {c[:-1]} '{got}' lacks '{want}'")
                continue
            got = t.get(c, "")
            nts += 1
            if norm(want) != norm(got):
                bad(f"tshark {c}: want {norm(want)} got {norm(got)}")
        # Our decoder.
        o = ours.get(fr)
        if o is None or "error" in o:
            bad(f"lisp-decode: {o}")
            continue
        f = {}
        ipudp(f, o["outer"]["ip_version"], o["outer"]["src"],
              o["outer"]["dst"], o["outer"]["sport"], o["outer"]["dport"])
        if o["lisp"] == "control":
            message(f, o["message"], bad)
        else:
            data(f, o["data"])
        for c in cols:
            if c.endswith("~") or NOT_OURS.match(c):
                continue
            nours_cols += 1
            want, got = norm(e.get(c, "")), [norm1(str(x)) for x in
                                             f.get(c, [])]
            if want != got:
                bad(f"lisp-decode {c}: want {want} got {got}")
        nour += 1
        for c in f:
            if c not in cols:
                bad(f"lisp-decode field {c} has no expected column")
    for m in mism:
        print(m)
    nmis = len(mism)
    print(f"ctrl_compare: frames={len(exp)} columns={len(cols)} "
          f"tshark_comparisons={nts} ours_frames={nour} "
          f"ours_comparisons={nours_cols} mismatches={nmis}")
    return 1 if nmis else 0


if __name__ == "__main__":
    sys.exit(main())
