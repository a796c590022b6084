"""Programs in every sandbox language, for the language tests (sandbox, grading and serve)."""

from __future__ import annotations

from typing import NamedTuple


class Programs(NamedTuple):
    """One language's test programs; `adds` reads two integers on stdin and prints their sum."""

    adds: str
    off_by_one: str
    broken: str
    """Does not compile (compiled languages) or does not parse (interpreted ones)."""
    crashes: str
    """Compiles, then fails at run time with a non-zero exit."""
    spins: str
    """Never ends."""


PROGRAMS: dict[str, Programs] = {
    "cpp": Programs(
        adds='#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<"\\n";}\n',
        off_by_one='#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b+1<<"\\n";}\n',
        broken="#include <iostream>\nint main(){ std::cout << undeclared_name; }\n",
        crashes='#include <stdexcept>\nint main(){ throw std::runtime_error("boom"); }\n',
        spins="int main(){ volatile long x = 0; for(;;) x++; }\n",
    ),
    "c": Programs(
        adds='#include <stdio.h>\nint main(){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);return 0;}\n',
        off_by_one='#include <stdio.h>\nint main(){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b+1);}\n',
        broken="int main(){ return undeclared_name; }\n",
        crashes="#include <stdlib.h>\nint main(){ abort(); }\n",
        spins="int main(){ volatile long x = 0; for(;;) x++; }\n",
    ),
    "java": Programs(
        adds=(
            "import java.util.*;\npublic class Main { public static void main(String[] a) {"
            " Scanner s = new Scanner(System.in); long x = s.nextLong(), y = s.nextLong();"
            " System.out.println(x + y); } }\n"
        ),
        off_by_one=(
            "import java.util.*;\npublic class Solution { public static void main(String[] a) {"
            " Scanner s = new Scanner(System.in); long x = s.nextLong(), y = s.nextLong();"
            " System.out.println(x + y + 1); } }\n"
        ),
        broken='public class Main { public static void main(String[] a) { int x = "text"; } }\n',
        crashes="public class Main { public static void main(String[] a) { int[] x = new int[1]; x[2] = 1; } }\n",
        spins="public class Main { public static void main(String[] a) { long x = 0; while (true) x++; } }\n",
    ),
    "go": Programs(
        adds='package main\nimport "fmt"\nfunc main(){ var a, b int64; fmt.Scan(&a, &b); fmt.Println(a + b) }\n',
        off_by_one='package main\nimport "fmt"\nfunc main(){ var a, b int64; fmt.Scan(&a, &b); fmt.Println(a+b+1) }\n',
        broken="package main\nfunc main(){ x := undeclared }\n",
        crashes='package main\nfunc main(){ panic("boom") }\n',
        spins="package main\nfunc main(){ x := 0; for { x++ } }\n",
    ),
    "rust": Programs(
        adds=(
            "use std::io::Read;\nfn main(){ let mut s = String::new(); std::io::stdin().read_to_string(&mut s)"
            ".unwrap(); let v: Vec<i64> = s.split_whitespace().map(|w| w.parse().unwrap()).collect();"
            ' println!("{}", v[0] + v[1]); }\n'
        ),
        off_by_one=(
            "use std::io::Read;\nfn main(){ let mut s = String::new(); std::io::stdin().read_to_string(&mut s)"
            ".unwrap(); let v: Vec<i64> = s.split_whitespace().map(|w| w.parse().unwrap()).collect();"
            ' println!("{}", v[0] + v[1] + 1); }\n'
        ),
        broken='fn main(){ let x: i32 = "text"; }\n',
        crashes='fn main(){ panic!("boom"); }\n',
        spins="fn main(){ let mut x: u64 = 0; loop { unsafe { std::ptr::write_volatile(&mut x, x + 1) } } }\n",
    ),
    "nodejs": Programs(
        adds=(
            "const v = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
            "console.log(v[0] + v[1]);\n"
        ),
        off_by_one=(
            "const v = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
            "console.log(v[0] + v[1] + 1);\n"
        ),
        broken="function ( {\n",
        crashes="throw new Error('boom');\n",
        spins="for (;;) {}\n",
    ),
    "bash": Programs(
        adds="read a b\necho $((a + b))\n",
        off_by_one="read a b\necho $((a + b + 1))\n",
        broken="if then fi (\n",
        crashes="echo boom >&2\nexit 3\n",
        spins="while :; do :; done\n",
    ),
}
COMPILED = ("cpp", "c", "java", "go", "rust")
