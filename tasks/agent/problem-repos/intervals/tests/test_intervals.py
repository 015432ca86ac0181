import unittest

from intervals import merge


class MergeTest(unittest.TestCase):
    def test_sorted_input(self):
        self.assertEqual(merge([[1, 3], [2, 6], [8, 10]]), [[1, 6], [8, 10]])

    def test_unsorted_input(self):
        self.assertEqual(merge([[8, 10], [1, 3], [2, 6]]), [[1, 6], [8, 10]])
