import unittest

from rle import encode


class EncodeTest(unittest.TestCase):
    def test_empty(self):
        self.assertEqual(encode(""), "")

    def test_runs(self):
        self.assertEqual(encode("aaab"), "3a1b")
