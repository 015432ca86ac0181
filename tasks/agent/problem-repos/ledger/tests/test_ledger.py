import unittest

from bank.ledger import apply


class LedgerTest(unittest.TestCase):
    def test_deposit(self):
        self.assertEqual(apply(0, [("deposit", 5)]), 5)

    def test_overdraft_refused(self):
        self.assertEqual(apply(10, [("withdraw", 30)]), 10)
