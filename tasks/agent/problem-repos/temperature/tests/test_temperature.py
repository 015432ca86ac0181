import unittest

from units.temperature import to_celsius, to_fahrenheit


class ConvertTest(unittest.TestCase):
    def test_boiling(self):
        self.assertEqual(to_fahrenheit(100), 212)

    def test_back(self):
        self.assertEqual(to_celsius(212), 100)
