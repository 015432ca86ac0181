import unittest

from inventory.cart import total


class TotalTest(unittest.TestCase):
    def test_no_discount(self):
        self.assertEqual(total([(2.5, 2)]), 5.0)

    def test_discount(self):
        self.assertEqual(total([(200, 1)], 10), 180)
