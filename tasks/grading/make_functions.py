"""Writes functions.jsonl: small HumanEval-format problems (task_id, prompt, entry_point,
test, canonical_solution, split), written for Galápagos. Run it to regenerate."""

from __future__ import annotations

import json
from pathlib import Path

P = [
    ("add", "def add(a: int, b: int) -> int:\n    \"\"\"Return the sum of a and b.\"\"\"\n",
     "    return a + b\n", ["add(1, 2) == 3", "add(-5, 5) == 0", "add(10, 0) == 10"]),
    ("reverse_string", "def reverse_string(s: str) -> str:\n    \"\"\"Return s reversed.\"\"\"\n",
     "    return s[::-1]\n", ["reverse_string('abc') == 'cba'", "reverse_string('') == ''"]),
    ("is_palindrome", "def is_palindrome(s: str) -> bool:\n    \"\"\"True if s reads the same "
     "backwards, ignoring case.\"\"\"\n", "    return s.lower() == s.lower()[::-1]\n",
     ["is_palindrome('Abba')", "not is_palindrome('abc')", "is_palindrome('')"]),
    ("count_vowels", "def count_vowels(s: str) -> int:\n    \"\"\"Count the vowels (aeiou, any "
     "case) in s.\"\"\"\n", "    return sum(c in 'aeiouAEIOU' for c in s)\n",
     ["count_vowels('Hello') == 2", "count_vowels('xyz') == 0", "count_vowels('AEIOU') == 5"]),
    ("max_of_list", "def max_of_list(xs: list) -> int:\n    \"\"\"Return the largest number in "
     "a non-empty list.\"\"\"\n", "    return max(xs)\n",
     ["max_of_list([1, 5, 3]) == 5", "max_of_list([-2, -1]) == -1"]),
    ("factorial", "def factorial(n: int) -> int:\n    \"\"\"Return n! for n >= 0.\"\"\"\n",
     "    out = 1\n    for k in range(2, n + 1):\n        out *= k\n    return out\n",
     ["factorial(0) == 1", "factorial(5) == 120", "factorial(10) == 3628800"]),
    ("fizzbuzz", "def fizzbuzz(n: int) -> str:\n    \"\"\"'Fizz' for multiples of 3, 'Buzz' "
     "of 5, 'FizzBuzz' of both, else str(n).\"\"\"\n",
     "    return 'FizzBuzz' if n % 15 == 0 else 'Fizz' if n % 3 == 0 else 'Buzz' if n % 5 == 0 "
     "else str(n)\n", ["fizzbuzz(3) == 'Fizz'", "fizzbuzz(10) == 'Buzz'",
                       "fizzbuzz(30) == 'FizzBuzz'", "fizzbuzz(7) == '7'"]),
    ("sum_even", "def sum_even(xs: list) -> int:\n    \"\"\"Sum of the even numbers in xs.\"\"\"\n",
     "    return sum(x for x in xs if x % 2 == 0)\n",
     ["sum_even([1, 2, 3, 4]) == 6", "sum_even([]) == 0", "sum_even([-2, 3]) == -2"]),
    ("capitalize_words", "def capitalize_words(s: str) -> str:\n    \"\"\"Capitalize the first "
     "letter of every space-separated word.\"\"\"\n",
     "    return ' '.join(w[:1].upper() + w[1:] for w in s.split(' '))\n",
     ["capitalize_words('hello world') == 'Hello World'", "capitalize_words('a') == 'A'"]),
    ("fibonacci", "def fibonacci(n: int) -> int:\n    \"\"\"The n-th Fibonacci number, with "
     "fibonacci(0) == 0 and fibonacci(1) == 1.\"\"\"\n",
     "    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
     ["fibonacci(0) == 0", "fibonacci(1) == 1", "fibonacci(10) == 55"]),
    ("unique_sorted", "def unique_sorted(xs: list) -> list:\n    \"\"\"The distinct items of xs "
     "in ascending order.\"\"\"\n", "    return sorted(set(xs))\n",
     ["unique_sorted([3, 1, 3, 2]) == [1, 2, 3]", "unique_sorted([]) == []"]),
    ("count_words", "def count_words(s: str) -> int:\n    \"\"\"How many whitespace-separated "
     "words s has.\"\"\"\n", "    return len(s.split())\n",
     ["count_words('a b  c') == 3", "count_words('') == 0", "count_words(' x ') == 1"]),
    ("celsius_to_fahrenheit", "def celsius_to_fahrenheit(c: float) -> float:\n    \"\"\"Convert "
     "degrees Celsius to Fahrenheit.\"\"\"\n", "    return c * 9 / 5 + 32\n",
     ["celsius_to_fahrenheit(0) == 32", "celsius_to_fahrenheit(100) == 212"]),
    ("is_prime", "def is_prime(n: int) -> bool:\n    \"\"\"True if n is a prime number.\"\"\"\n",
     "    if n < 2:\n        return False\n    k = 2\n    while k * k <= n:\n        if n % k == 0:"
     "\n            return False\n        k += 1\n    return True\n",
     ["is_prime(2)", "is_prime(13)", "not is_prime(1)", "not is_prime(21)"]),
    ("flatten", "def flatten(xss: list) -> list:\n    \"\"\"Flatten a list of lists by one "
     "level.\"\"\"\n", "    return [x for xs in xss for x in xs]\n",
     ["flatten([[1, 2], [3]]) == [1, 2, 3]", "flatten([]) == []"]),
    ("second_largest", "def second_largest(xs: list) -> int:\n    \"\"\"The second largest "
     "distinct value of xs (at least two distinct values).\"\"\"\n",
     "    return sorted(set(xs))[-2]\n",
     ["second_largest([1, 3, 2]) == 2", "second_largest([5, 5, 4]) == 4"]),
]
SPLITS = ["train"] * 6 + ["val"] * 5 + ["test"] * 5


def main() -> None:
    out = Path(__file__).with_name("functions.jsonl")
    rows = []
    for (name, prompt, solution, asserts), split in zip(P, SPLITS, strict=True):
        test = "def check(candidate):\n" + "".join(
            f"    assert {a.replace(name + '(', 'candidate(')}\n" for a in asserts)
        rows.append({"task_id": f"Galapagos/{name}", "prompt": prompt, "entry_point": name,
                     "canonical_solution": solution, "test": test, "split": split})
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"wrote {len(rows)} problems to {out}")


if __name__ == "__main__":
    main()
