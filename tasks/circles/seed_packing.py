"""Pack 26 circles in the unit square, maximising the sum of their radii.

pack() returns [(x, y, r), ...]. The grader checks that every circle lies inside the
square and that no two overlap; an invalid packing scores 0.
"""
import math

# EVOLVE-BLOCK-START
N = 26
CENTRE = (0.5, 0.5)
RINGS = [(8, 0.25, 0.0), (17, 0.42, 0.1)]  # (circles, ring radius, angle offset)


def centres():
    pts = [CENTRE]
    for count, radius, offset in RINGS:
        for k in range(count):
            a = offset + 2 * math.pi * k / count
            pts.append((CENTRE[0] + radius * math.cos(a), CENTRE[1] + radius * math.sin(a)))
    return [(min(max(x, 0.01), 0.99), min(max(y, 0.01), 0.99)) for x, y in pts[:N]]


def radii(pts):
    """The largest radii that keep every circle inside and apart, grown greedily."""
    walls = [min(x, y, 1 - x, 1 - y) for x, y in pts]
    r = [min(walls[i], min(math.dist(p, q) / 2 for j, q in enumerate(pts) if j != i))
         for i, p in enumerate(pts)]
    for i, p in enumerate(pts):
        room = min(math.dist(p, q) - r[j] for j, q in enumerate(pts) if j != i)
        r[i] = max(0.0, min(walls[i], room))
    return r
# EVOLVE-BLOCK-END


def pack():
    pts = centres()
    return [(x, y, r) for (x, y), r in zip(pts, radii(pts), strict=True)]
