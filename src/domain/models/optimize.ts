/**
 * Nelder–Mead simplex minimization (Lagarias et al. 1998 coefficients). Written here because the
 * npm candidates do not load under Node's CommonJS/ESM rules (fmin 0.0.4 ships a UMD bundle in a
 * "type": "module" package, so it exports nothing); the method is small and well specified.
 * Deterministic: the same start gives the same result.
 */
export function nelderMead(
  f: (x: number[]) => number,
  x0: number[],
  opts: { maxIterations?: number; tolerance?: number; step?: number } = {},
): { x: number[]; fx: number; iterations: number } {
  const n = x0.length;
  const maxIterations = opts.maxIterations ?? 5000 * n;
  const tol = opts.tolerance ?? 1e-12;
  const step = opts.step ?? 0.1;
  let simplex: { x: number[]; fx: number }[] = [{ x: [...x0], fx: f(x0) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = (x[i] as number) !== 0 ? (x[i] as number) * (1 + step) : step;
    simplex.push({ x, fx: f(x) });
  }
  const at = (p: number[], q: number[], t: number) => p.map((v, i) => v + t * ((q[i] as number) - v));
  let it = 0;
  for (; it < maxIterations; it++) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0] as { x: number[]; fx: number };
    const worst = simplex[n] as { x: number[]; fx: number };
    if (Math.abs(worst.fx - best.fx) <= tol * (Math.abs(best.fx) + tol)) {
      const spread = Math.max(
        ...simplex.map((s) => Math.max(...s.x.map((v, i) => Math.abs(v - (best.x[i] as number))))),
      );
      if (spread < 1e-10) break;
    }
    const centroid = Array.from(
      { length: n },
      (_, i) => simplex.slice(0, n).reduce((s, p) => s + (p.x[i] as number), 0) / n,
    );
    const reflected = at(centroid, worst.x, -1);
    const fr = f(reflected);
    const secondWorst = simplex[n - 1] as { x: number[]; fx: number };
    if (fr < best.fx) {
      const expanded = at(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
    } else if (fr < secondWorst.fx) {
      simplex[n] = { x: reflected, fx: fr };
    } else {
      const outside = fr < worst.fx;
      const contracted = outside ? at(centroid, worst.x, -0.5) : at(centroid, worst.x, 0.5);
      const fc = f(contracted);
      if (fc < (outside ? fr : worst.fx)) simplex[n] = { x: contracted, fx: fc };
      else {
        simplex = simplex.map((p, i) =>
          i === 0 ? p : { x: at(best.x, p.x, 0.5), fx: f(at(best.x, p.x, 0.5)) },
        );
      }
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  const best = simplex[0] as { x: number[]; fx: number };
  return { x: best.x, fx: best.fx, iterations: it };
}
