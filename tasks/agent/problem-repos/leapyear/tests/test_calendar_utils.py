import unittest

from calendar_utils import is_leap


class LeapTest(unittest.TestCase):
    def test_plain(self):
        self.assertTrue(is_leap(2024))

    def test_century(self):
        self.assertFalse(is_leap(1900))
