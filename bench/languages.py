"""`python -m bench.languages [N]`: compile+run per second per language through the warm pool.

N distinct programs per language (each adds its own constant, so no build is reused) run as one RunJob
each on a pool of the all-languages image (`sandloop sandbox build --languages all`), every answer checked;
then the same program on N stdin/stdout cases in one job (compiled once). Python is the baseline. The last
line is one JSON object.
"""

from __future__ import annotations

import json
import sys
import time

from sandbox import CasesJob, IOCase, Limits, PoolConfig, RunJob, SandboxPool
from sandbox.image import recipe
from sandbox.models import Language

PROGRAMS: dict[Language, str] = {
    "python": "a, b = map(int, input().split())\nprint(a + b + {k})\n",
    "cpp": '#include <iostream>\nint main(){{long a,b;std::cin>>a>>b;std::cout<<a+b+{k}<<"\\n";}}\n',
    "c": '#include <stdio.h>\nint main(){{long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b+{k});}}\n',
    "java": (
        "import java.util.*;\npublic class Main {{ public static void main(String[] x) {{ Scanner s = new "
        "Scanner(System.in); System.out.println(s.nextLong() + s.nextLong() + {k}); }} }}\n"
    ),
    "go": 'package main\nimport "fmt"\nfunc main(){{ var a, b int64; fmt.Scan(&a, &b); fmt.Println(a+b+{k}) }}\n',
    "rust": (
        "fn main(){{ let mut s = String::new(); std::io::stdin().read_line(&mut s).unwrap(); let v: Vec<i64> = "
        's.split_whitespace().map(|w| w.parse().unwrap()).collect(); println!("{{}}", v[0] + v[1] + {k}); }}\n'
    ),
    "nodejs": (
        "const v = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
        "console.log(v[0] + v[1] + {k});\n"
    ),
    "bash": "read a b\necho $((a + b + {k}))\n",
}
LIMITS = Limits(timeout_s=10, compile_timeout_s=120)


def main(count: int = 20) -> int:
    figures: dict[str, dict[str, float]] = {}
    wrong = 0
    with SandboxPool(PoolConfig(languages=recipe.LANGUAGES)) as pool:
        for language, template in PROGRAMS.items():
            jobs = [
                RunJob(language=language, source=template.format(k=k), stdin="1 2\n", limits=LIMITS)
                for k in range(count)
            ]
            started = time.perf_counter()
            results = pool.run_many(jobs)
            distinct_s = time.perf_counter() - started
            wrong += sum(r.stdout != f"{3 + k}\n" for k, r in enumerate(results))
            cases = [IOCase(input=f"{k} 1\n", output=f"{k + 1}\n") for k in range(count)]
            started = time.perf_counter()
            cased = pool.run(
                CasesJob(language=language, source=template.format(k=0), cases=cases, limits=LIMITS)
            )
            cases_s = time.perf_counter() - started
            wrong += cased.status != "passed"
            compile_s = sum(r.compile.duration_s for r in results if r.compile) / count
            figures[language] = {
                "programs_per_s": round(count / distinct_s, 2),
                "mean_compile_s": round(compile_s, 3),
                "cases_per_s_one_build": round(count / cases_s, 2),
            }
            print(
                f"{language:7} {count / distinct_s:6.2f} programs/s (compile+run, pool of {pool.config.size}), "
                f"compile {compile_s:.2f} s each; {count / cases_s:6.2f} cases/s on one build"
            )
    print(f"wrong answers: {wrong}")
    print(json.dumps({"count": count, "languages": figures, "wrong": wrong}))
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
