import unittest

from semver import compare


class CompareTest(unittest.TestCase):
    def test_equal(self):
        self.assertEqual(compare("1.2", "1.2"), 0)

    def test_numeric(self):
        self.assertEqual(compare("1.10", "1.9"), 1)
