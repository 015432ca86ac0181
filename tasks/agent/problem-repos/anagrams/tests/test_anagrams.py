import unittest

from anagrams import group_anagrams


class GroupTest(unittest.TestCase):
    def test_basic(self):
        self.assertEqual(group_anagrams(["eat", "tea", "tan"]), [["eat", "tea"], ["tan"]])

    def test_counts_matter(self):
        self.assertEqual(group_anagrams(["aab", "abb"]), [["aab"], ["abb"]])
