def transpose(rows):
    """Rows become columns: [[1, 2, 3], [4, 5, 6]] -> [[1, 4], [2, 5], [3, 6]]."""
    n = len(rows)
    return [[rows[r][c] for r in range(n)] for c in range(n)]
