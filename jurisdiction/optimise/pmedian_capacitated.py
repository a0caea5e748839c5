def solve_capacitated_pmedian(*a, **k):
    raise NotImplementedError
