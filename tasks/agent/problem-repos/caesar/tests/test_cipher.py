import unittest

from cipher import shift


class ShiftTest(unittest.TestCase):
    def test_lower(self):
        self.assertEqual(shift("abc", 1), "bcd")

    def test_upper_and_space(self):
        self.assertEqual(shift("Zz !", 1), "Aa !")
