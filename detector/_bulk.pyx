# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled passes of the lexical prefilter, each with a Python reference it is tested against.

- ``normalise_view``: the bulk normalisation of a joined batch (``detector.text.bulk_view_reference``);
- ``titles_with_keys``: which titles a :class:`detector.scanner.KeyScanner` automaton finds a key in
  (``KeyScanner.titles_reference``, a pyahocorasick scan);
- ``latin_keys``: the batch's letter runs and runs of them (the fallback in ``LexicalMatcher._latin_suspects``);
- ``map_chars`` and ``collapse_repeats``: ``str.translate`` and ``re.sub(r"(.)\\1+", r"\\1", ...)``.

``tests/test_bulk.py`` holds each equal to its reference on real titles, generated evasions and random strings.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc
from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISDECIMAL, Py_UNICODE_ISSPACE

cdef extern from "Python.h":
    object PyUnicode_FromKindAndData(int kind, const void *buffer, Py_ssize_t size)
    int PyUnicode_4BYTE_KIND

ctypedef unsigned int u32

cdef u32 UNCHANGED = 0xFFFFFFFF
cdef Py_UCS4 NEWLINE = 10
cdef Py_UCS4 ZERO_WIDTH = 1


cdef inline bint _az(Py_UCS4 c) nogil:
    return 97 <= c <= 122


cdef inline bint _az09(Py_UCS4 c) nogil:
    return (97 <= c <= 122) or (48 <= c <= 57)


cdef inline bint _cjk(Py_UCS4 c) nogil:
    return (0x3400 <= c <= 0x4DBF) or (0x4E00 <= c <= 0x9FFF) or (0xF900 <= c <= 0xFAFF)


# Character classes as the regex engine has them (\w, \s, \d), looked up once per code point below
# TABLE_SIZE at import; above it (rare) the same functions are called each time.
cdef enum:
    TABLE_SIZE = 0x30000
cdef unsigned char WORD = 1, SPACE = 2, DECIMAL = 4
cdef unsigned char CLASSES[TABLE_SIZE]


cdef void _fill_classes():
    cdef Py_UCS4 c
    for c in range(TABLE_SIZE):
        CLASSES[c] = _classes_of(c)


cdef inline unsigned char _classes_of(Py_UCS4 c):
    return ((WORD if (c == 95 or Py_UNICODE_ISALNUM(c)) else 0)
            | (SPACE if Py_UNICODE_ISSPACE(c) else 0)
            | (DECIMAL if Py_UNICODE_ISDECIMAL(c) else 0))


_fill_classes()


cdef inline unsigned char _cls(Py_UCS4 c):
    return CLASSES[c] if c < TABLE_SIZE else _classes_of(c)


cdef inline bint _sep(Py_UCS4 c):
    """``(?:[^\\w\\n]|_)``: a separator between the characters of a Chinese name."""
    return c == 95 or (c != NEWLINE and not (_cls(c) & WORD))


cdef inline bint _latin_sep(Py_UCS4 c):
    """``(?:[^\\w\\s]|_)``: a separator between the letters of a Latin name."""
    return c == 95 or not (_cls(c) & (WORD | SPACE))


cdef inline Py_UCS4 _leet_value(Py_UCS4 c) nogil:
    if c == 48:  # 0
        return 111
    if c == 49 or c == 33 or c == 124:  # 1 ! |
        return 105
    if c == 51:  # 3
        return 101
    if c == 52 or c == 64:  # 4 @
        return 97
    if c == 53 or c == 36:  # 5 $
        return 115
    return 0


cdef inline bint _leet_edge(Py_UCS4 c) nogil:
    """The digits and signs that may open or close a word: ``[0134@$]``."""
    return c == 48 or c == 49 or c == 51 or c == 52 or c == 64 or c == 36


cdef Py_ssize_t _leet(Py_UCS4 *f, Py_UCS4 *g, Py_ssize_t n):
    cdef Py_ssize_t i
    cdef Py_UCS4 c, value
    for i in range(n):
        c = f[i]
        g[i] = c
        value = _leet_value(c)
        if value == 0:
            continue
        if i >= 1 and _az(f[i - 1]) and i + 1 < n and _az(f[i + 1]):  # N1ke, Adid@s
            g[i] = value
        elif not _leet_edge(c):
            continue
        elif i >= 3 and _az(f[i - 3]) and _az(f[i - 2]) and _az(f[i - 1]) and not (i + 1 < n and _az09(f[i + 1])):
            g[i] = value  # Zipp0, Gucc1
        elif not (i >= 1 and _az09(f[i - 1])) and i + 3 < n and _az(f[i + 1]) and _az(f[i + 2]) and _az(f[i + 3]):
            g[i] = value  # 0mega
    return n


cdef Py_ssize_t _removal_end(Py_UCS4 *g, Py_ssize_t p, Py_ssize_t n):
    """End of the removable run starting at ``p``, or ``p`` when nothing is removable there."""
    cdef Py_ssize_t q, r
    cdef Py_UCS4 before
    if p > 0:
        before = g[p - 1]
        if _cjk(before):  # 耐-克, 耐 克, 移3动
            q = p
            while q < n and _sep(g[q]):
                q += 1
            if q > p:
                r = q
                if r < n and _cls(g[r]) & DECIMAL:
                    r += 1
                while r < n and _sep(g[r]):
                    r += 1
                if r < n and _cjk(g[r]):
                    return r
            elif q < n and _cls(g[q]) & DECIMAL:
                r = q + 1
                while r < n and _sep(g[r]):
                    r += 1
                if r < n and _cjk(g[r]):
                    return r
        if _az(before):  # n.i.k.e
            q = p
            while q < n and _latin_sep(g[q]):
                q += 1
            if q > p and q < n and _az(g[q]):
                return q
    if g[p] == ZERO_WIDTH:
        q = p
        while q < n and g[q] == ZERO_WIDTH:
            q += 1
        return q
    return p


cdef Py_ssize_t _remove(Py_UCS4 *g, Py_UCS4 *h, unsigned char *gap, Py_ssize_t n):
    """Drop the removable runs of ``g`` into ``h``; ``gap[m]``: something was removed just before ``h[m]``."""
    cdef Py_ssize_t p = 0, m = 0, end
    cdef bint removed = False
    while p < n:
        end = _removal_end(g, p, n)
        if end > p:
            p = end
            removed = True
        else:
            h[m] = g[p]
            gap[m] = removed
            removed = False
            m += 1
            p += 1
    gap[m] = removed
    return m


cdef Py_ssize_t _unspace(Py_UCS4 *h, unsigned char *hgap, Py_UCS4 *out, unsigned char *gap, Py_ssize_t n):
    """``n i k e`` → ``nike``: three or more single letters separated by single spaces."""
    cdef Py_ssize_t p = 0, m = 0, j, k, end
    while p < n:
        if _az(h[p]) and (p == 0 or not _az09(h[p - 1])):
            j = p + 1
            k = 0
            while j + 1 < n and h[j] == 32 and _az(h[j + 1]):
                j += 2
                k += 1
            end = j
            if end < n and _az09(h[end]):
                k -= 1
                end -= 2
            if k >= 2:
                j = p
                while j < end:
                    out[m] = h[j]
                    gap[m] = hgap[j] or j > p
                    m += 1
                    j += 2
                p = end
                continue
        out[m] = h[p]
        gap[m] = hgap[p]
        m += 1
        p += 1
    gap[m] = hgap[n]
    return m


cdef Py_UCS4 *_read(str text, Py_ssize_t n, const u32[::1] table) except NULL:
    cdef Py_UCS4 *buf = <Py_UCS4 *>PyMem_Malloc((n + 1) * sizeof(Py_UCS4))
    cdef Py_ssize_t i, size = table.shape[0]
    cdef Py_UCS4 c
    cdef u32 mapped
    if buf == NULL:
        raise MemoryError()
    for i in range(n):
        c = text[i]
        if c < size:
            mapped = table[c]
            if mapped != UNCHANGED:
                c = mapped
        buf[i] = c
    return buf


def normalise_view(str text, const u32[::1] fold):
    """Fold (``fold[cp]``), digits for letters, removals and spaced letters: the bulk normalised view.

    Returns the view and the positions in it where characters were removed just before (gaps).
    """
    cdef Py_ssize_t n = len(text), m, i
    cdef Py_UCS4 *a = _read(text, n, fold)
    cdef Py_UCS4 *b = <Py_UCS4 *>PyMem_Malloc((n + 1) * sizeof(Py_UCS4))
    cdef unsigned char *gaps = <unsigned char *>PyMem_Malloc(2 * (n + 1))
    cdef list positions = []
    if b == NULL or gaps == NULL:
        PyMem_Free(a)
        PyMem_Free(b)
        PyMem_Free(gaps)
        raise MemoryError()
    try:
        _leet(a, b, n)
        m = _remove(b, a, gaps, n)
        m = _unspace(a, gaps, b, gaps + n + 1, m)
        for i in range(m + 1):
            if gaps[n + 1 + i]:
                positions.append(i)
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, b, m), positions
    finally:
        PyMem_Free(a)
        PyMem_Free(b)
        PyMem_Free(gaps)


def map_chars(str text, const u32[::1] table):
    """``text.translate`` for a one-character-per-character table, as a dense array (see lookup_array)."""
    cdef Py_ssize_t n = len(text)
    cdef Py_UCS4 *a = _read(text, n, table)
    try:
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a, n)
    finally:
        PyMem_Free(a)


def lookup_array(dict table, Py_ssize_t size):
    """A dense array for :func:`normalise_view` / :func:`map_chars` from a one-character translate table."""
    from array import array

    out = array("I", [UNCHANGED]) * size
    for cp, value in table.items():
        if cp < size:
            out[cp] = ord(value)
    return out


cdef bint _stands_apart(str view, Py_ssize_t n, Py_ssize_t start, Py_ssize_t end, object gaps):
    """The full pass's rule for Latin keys: not inside a Latin word unless a removed separator is there;
    keys of up to three characters not after a digit either (116610LV is a model number)."""
    cdef Py_UCS4 before = view[start - 1] if start > 0 else 32
    cdef Py_UCS4 after = view[end] if end < n else 32
    if _az09(view[start]) and (_az(before) or (end - start <= 3 and 48 <= before <= 57)):
        if gaps is None or start not in gaps:
            return False
    if _az09(view[end - 1]) and _az(after):
        if gaps is None or end not in gaps:
            return False
    return True


cdef bint _straddles(str text, Py_ssize_t n, Py_ssize_t start, Py_ssize_t end, object words, object gaps):
    """A window whose edge characters belong to words outside it (正品|国行): not a name. Characters a
    removed separator stood between (雪华秀 润燥) are no word."""
    if start >= 1 and text[start - 1 : start + 1] in words and (gaps is None or start not in gaps):
        return True
    return end < n and text[end - 1 : end + 1] in words and (gaps is None or end not in gaps)


def titles_with_keys(str view, const unsigned short[::1] alphabet, const int[::1] root,
                     const long long[::1] offsets, const unsigned short[::1] symbols, const int[::1] targets,
                     const unsigned char[::1] final, const int[:, ::1] ruled, object gaps,
                     str text=None, object words=None):
    """Titles (line-separated in ``view``) in which the automaton ends a key that counts.

    The automaton: a state's next state on a symbol is its own entry for it (``symbols[offsets[state]:
    offsets[state + 1]]``, sorted, with ``targets`` beside them), else the root's (``root[symbol]``).
    ``final[state]``: a key with no rule ends there. ``ruled[state]``: the keys with a rule ending there,
    each ``length | rule << 16`` (0 ends the row): LATIN (1) and INITIALS (2) must stand apart, INITIALS
    count apart (the caller checks capitals), STRADDLE (3) must not straddle one of ``words`` in ``text``
    (the characters ``view`` codes). ``gaps``: positions of ``view`` where separators were removed.
    Returns the titles with a key that counts, and those whose only such keys are initials.
    """
    cdef Py_ssize_t n = len(view), i, title = 0, size = alphabet.shape[0], width = ruled.shape[1], j, start
    cdef long long lo, hi, mid
    cdef int state = 0, value, length, rule
    cdef unsigned short symbol
    cdef Py_UCS4 c
    cdef bint hit = False, initials = False, counts
    cdef list out = [], out_initials = []
    for i in range(n + 1):
        c = view[i] if i < n else NEWLINE
        if c == NEWLINE:
            if hit:
                out.append(title)
            elif initials:
                out_initials.append(title)
            title += 1
            state = 0
            hit = False
            initials = False
            continue
        if hit:
            continue
        symbol = alphabet[c] if c < size else 0
        lo = offsets[state]
        hi = offsets[state + 1]
        while lo < hi:  # binary search of the state's own entries
            mid = (lo + hi) >> 1
            if symbols[mid] < symbol:
                lo = mid + 1
            else:
                hi = mid
        state = targets[lo] if lo < offsets[state + 1] and symbols[lo] == symbol else root[symbol]
        if final[state]:
            hit = True
            continue
        for j in range(width):
            value = ruled[state, j]
            if value == 0:
                break
            length = value & 0xFFFF
            rule = value >> 16
            start = i + 1 - length
            if rule == 3:
                counts = not _straddles(text, n, start, i + 1, words, gaps)
            else:
                counts = _stands_apart(view, n, start, i + 1, gaps)
            if counts:
                if rule == 2:
                    initials = True
                else:
                    hit = True
                    break
    return out, out_initials


cdef extern from "Python.h":
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    void *PyUnicode_DATA(object o)


def latin_keys(str view, int max_words, object known, object plain):
    """The runs of ASCII letters in ``view`` and the runs of up to ``max_words`` of them joined by spaces
    (across the whole batch, in order), each once and none of those in ``known``. Runs of words that
    are all in ``plain`` (ordinary words, too short to matter) are skipped without being built."""
    cdef Py_ssize_t n = len(view), i = 0, count = 0, j, size, total, k, pos
    cdef Py_ssize_t *bounds = <Py_ssize_t *>PyMem_Malloc((n + 2) * sizeof(Py_ssize_t))
    cdef unsigned char *flags = <unsigned char *>PyMem_Malloc(n + 2)
    cdef unsigned char *data
    cdef bint all_plain
    cdef list out = [], runs = []
    cdef set seen = set()
    if bounds == NULL or flags == NULL:
        PyMem_Free(bounds)
        PyMem_Free(flags)
        raise MemoryError()
    try:
        while i < n:
            if _az(view[i]):
                bounds[2 * count] = i
                while i < n and _az(view[i]):
                    i += 1
                bounds[2 * count + 1] = i
                count += 1
            else:
                i += 1
        for j in range(count):
            key = view[bounds[2 * j] : bounds[2 * j + 1]]
            flags[j] = key in plain
            if key not in known and key not in seen:
                seen.add(key)
                out.append(key)
        for j in range(count):
            total = bounds[2 * j + 1] - bounds[2 * j]
            all_plain = flags[j]
            for size in range(2, max_words + 1):
                if j + size > count:
                    break
                total += bounds[2 * (j + size) - 1] - bounds[2 * (j + size) - 2] + 1
                all_plain = all_plain and flags[j + size - 1]
                if all_plain:
                    continue
                key = PyUnicode_New(total, 127)
                data = <unsigned char *>PyUnicode_DATA(key)
                pos = 0
                for k in range(j, j + size):
                    if k > j:
                        data[pos] = 32
                        pos += 1
                    for i in range(bounds[2 * k], bounds[2 * k + 1]):
                        data[pos] = <unsigned char>view[i]
                        pos += 1
                if key in known or key in seen:
                    continue
                seen.add(key)
                out.append(key)
        return out
    finally:
        PyMem_Free(bounds)
        PyMem_Free(flags)


def collapse_repeats(str text):
    """Every run of one repeated character reduced to one character (``(.)\\1+`` → ``\\1``, newlines too)."""
    cdef Py_ssize_t n = len(text), i, m = 0
    cdef Py_UCS4 *buf = <Py_UCS4 *>PyMem_Malloc((n + 1) * sizeof(Py_UCS4))
    cdef Py_UCS4 c
    if buf == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            c = text[i]
            if m > 0 and buf[m - 1] == c and c != NEWLINE:
                continue
            buf[m] = c
            m += 1
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, m)
    finally:
        PyMem_Free(buf)
