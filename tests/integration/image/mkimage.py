#!/usr/bin/env python3
"""Makes image archives for hutch's image tests: docker-save tarballs and OCI
layout archives over layers given as tar files, and layer tars that attack
the unpacker (path traversal, symlink and hard link escapes, bombs).

  mkimage.py layer KIND OUT [ARG]   write a crafted layer tar
  mkimage.py archive OUT --format docker|oci [--tag NAME:TAG] [--config JSON]
             [--compress none|gzip|zstd] [--bad-digest N] [--media-type N:TYPE]
             [--truncate N] LAYER.tar...
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile


def sha(b):
    return hashlib.sha256(b).hexdigest()


def add(t, name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)


def layer(kind, out, arg):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        d = dict(type=tarfile.DIRTYPE, mode=0o755)
        if kind == "traversal":  # a file named with .. out of the layer
            add(t, "ok")
            add(t, "../../../../../../../../" + arg.lstrip("/") + "/pwned-traversal", b"x")
        elif kind == "abs-symlink":  # a symlink to a host directory, then a write through it
            add(t, "evil", type=tarfile.SYMTYPE, linkname=arg)
            add(t, "evil/pwned-abs-symlink", b"x")
        elif kind == "rel-symlink":  # a relative symlink climbing out, then a write through it
            add(t, "up", type=tarfile.SYMTYPE, linkname="../" * 16 + arg.lstrip("/"))
            add(t, "up/pwned-rel-symlink", b"x")
        elif kind == "hardlink-symlink":  # a hard link to a host file through a symlink
            add(t, "s", type=tarfile.SYMTYPE, linkname=os.path.dirname(arg))
            add(t, "h", type=tarfile.LNKTYPE, linkname="s/" + os.path.basename(arg))
            add(t, "h", b"overwritten\n")
        elif kind == "hardlink-dotdot":  # a hard link to a host file with ..
            add(t, "h", type=tarfile.LNKTYPE, linkname="../" * 16 + arg.lstrip("/"))
        elif kind == "bomb":  # arg MiB of zeros (compresses to almost nothing)
            zeros = b"\0" * (int(arg) << 20)
            add(t, "zeros", zeros)
        elif kind == "lower":  # for whiteouts: files and directories to delete or empty
            add(t, "d", **d)
            add(t, "d/a", b"a\n")
            add(t, "d/b", b"b\n")
            add(t, "gone", b"gone\n")
            add(t, "e", **d)
            add(t, "e/x", b"x\n")
            add(t, "e/sub", **d)
            add(t, "e/sub/z", b"z\n")
        elif kind == "upper":
            add(t, "d", **d)
            add(t, "d/.wh.a")
            add(t, ".wh.gone")
            add(t, "e", **d)
            add(t, "e/.wh..wh..opq")
            add(t, "e/y", b"y\n")
        elif kind == "special":  # what a layer must keep
            add(t, "s", **d)
            add(t, "s/setuid", b"#!/bin/sh\n", mode=0o4755, uid=0, gid=0)
            add(t, "s/owned", b"o\n", mode=0o640, uid=1234, gid=5678)
            add(t, "s/xattr", b"x\n", pax_headers={"SCHILY.xattr.user.hutch": "yes"})
            add(t, "s/link1", b"same inode\n")
            add(t, "s/link2", type=tarfile.LNKTYPE, linkname="s/link1")
            add(t, "s/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666)
            add(t, "s/fifo", type=tarfile.FIFOTYPE, mode=0o600)
            add(t, "s/sym", type=tarfile.SYMTYPE, linkname="/bin/busybox")
            add(t, "s/sticky", mode=0o1777, type=tarfile.DIRTYPE)
            ti = tarfile.TarInfo("s/overlay-xattr")
            ti.pax_headers = {"SCHILY.xattr.trusted.overlay.redirect": "/etc"}
            t.addfile(ti, io.BytesIO(b""))
        elif kind == "file":  # one file: arg is "path=content"
            p, c = arg.split("=", 1)
            add(t, p, c.encode())
        else:
            sys.exit("unknown layer kind " + kind)


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, 6, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def archive(a):
    layers = [open(p, "rb").read() for p in a.layers]
    diff_ids = ["sha256:" + sha(l) for l in layers]
    cfg = {"architecture": "amd64", "os": "linux", "config": json.loads(a.config or "{}"),
           "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    cfg_b = json.dumps(cfg).encode()
    blobs = [compress(l, a.compress) for l in layers]
    for n in a.truncate or []:
        blobs[n] = blobs[n][: len(blobs[n]) // 2]
    files = {}
    suffix = {"none": "", "gzip": "+gzip", "zstd": "+zstd"}[a.compress]
    mts = ["application/vnd.oci.image.layer.v1.tar" + suffix for _ in blobs]
    for spec in a.media_type or []:
        n, mt = spec.split(":", 1)
        mts[int(n)] = mt
    digests = [sha(b) for b in blobs]
    for n in a.bad_digest or []:
        # the manifest names a digest; the blob stored under that name is other bytes
        blobs[n] = blobs[n] + b"tampered"
    if a.format == "docker":
        names = []
        for i, b in enumerate(blobs):
            names.append("%s/layer.tar" % digests[i])
            files[names[-1]] = b
        cid = sha(cfg_b)
        files[cid + ".json"] = cfg_b
        files["manifest.json"] = json.dumps(
            [{"Config": cid + ".json", "RepoTags": [a.tag] if a.tag else None, "Layers": names}]).encode()
    else:
        for i, b in enumerate(blobs):
            files["blobs/sha256/" + digests[i]] = b
        cd = sha(cfg_b)
        files["blobs/sha256/" + cd] = cfg_b
        man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                          "digest": "sha256:" + cd, "size": len(cfg_b)},
               "layers": [{"mediaType": mts[i], "digest": "sha256:" + digests[i],
                           "size": len(blobs[i])} for i in range(len(blobs))]}
        mb = json.dumps(man).encode()
        files["blobs/sha256/" + sha(mb)] = mb
        desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:" + sha(mb), "size": len(mb)}
        descs = [desc]
        if a.index:
            # a list with a linux/arm64 image beside (its config says so, its Cmd too)
            desc["platform"] = {"os": "linux", "architecture": "amd64"}
            acfg = dict(cfg, architecture="arm64", config={"Cmd": ["echo", "arm64"]})
            ab = json.dumps(acfg).encode()
            files["blobs/sha256/" + sha(ab)] = ab
            am = dict(man, config={"mediaType": "application/vnd.oci.image.config.v1+json",
                                   "digest": "sha256:" + sha(ab), "size": len(ab)})
            amb = json.dumps(am).encode()
            files["blobs/sha256/" + sha(amb)] = amb
            adesc = {"mediaType": man["mediaType"], "digest": "sha256:" + sha(amb), "size": len(amb),
                     "platform": {"os": "linux", "architecture": "arm64"}}
            ib = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                             "manifests": [adesc, desc]}).encode()
            files["blobs/sha256/" + sha(ib)] = ib
            descs = [{"mediaType": "application/vnd.oci.image.index.v1+json",
                      "digest": "sha256:" + sha(ib), "size": len(ib)}]
        if a.tag:
            descs[0]["annotations"] = {"org.opencontainers.image.ref.name": a.tag}
        files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": descs}).encode()
        files["oci-layout"] = b'{"imageLayoutVersion":"1.0.0"}'
    with tarfile.open(a.out, "w") as t:
        for n, b in files.items():
            add(t, n, b)


def main():
    if sys.argv[1] == "layer":
        layer(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
        return
    p = argparse.ArgumentParser()
    p.add_argument("cmd")
    p.add_argument("out")
    p.add_argument("layers", nargs="+")
    p.add_argument("--format", default="docker")
    p.add_argument("--tag")
    p.add_argument("--config")
    p.add_argument("--compress", default="none")
    p.add_argument("--bad-digest", type=int, action="append")
    p.add_argument("--truncate", type=int, action="append")
    p.add_argument("--media-type", action="append")
    p.add_argument("--index", action="store_true", help="OCI: an index with linux/arm64 and linux/amd64")
    a = p.parse_args()
    a.out = a.out
    archive(a)


if __name__ == "__main__":
    main()
