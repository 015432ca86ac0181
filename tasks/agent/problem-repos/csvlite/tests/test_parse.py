import unittest

from csvlite import parse_line


class ParseTest(unittest.TestCase):
    def test_simple(self):
        self.assertEqual(parse_line("a,b,c"), ["a", "b", "c"])

    def test_quoted_comma(self):
        self.assertEqual(parse_line('x,"y, z",w'), ["x", "y, z", "w"])
