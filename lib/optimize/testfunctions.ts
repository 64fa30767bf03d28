/**
 * Standard global-optimization test functions (minimization) used by the
 * optimizer's benchmark and tests. Definitions and minima from Surjanovic &
 * Bingham, "Virtual Library of Simulation Experiments"
 * (https://www.sfu.ca/~ssurjano/optimization.html).
 */

/** A test function with its box domain and known global minimum. */
export interface TestFunction {
  readonly name: string;
  /** box bounds [low, high] per dimension */
  readonly bounds: readonly (readonly [number, number])[];
  /** global minimum value */
  readonly minimum: number;
  /** a global minimizer */
  readonly argmin: readonly number[];
  readonly f: (x: readonly number[]) => number;
}

/**
 * Branin–Hoo, 2-D on x1 ∈ [-5, 10], x2 ∈ [0, 15]:
 * (x2 - 5.1/(4π²) x1² + 5/π x1 - 6)² + 10(1 - 1/(8π)) cos x1 + 10;
 * minimum 0.397887 at (-π, 12.275), (π, 2.275), (9.42478, 2.475).
 */
export const branin: TestFunction = {
  name: 'Branin (2-D)',
  bounds: [
    [-5, 10],
    [0, 15],
  ],
  minimum: 0.39788735772973816,
  argmin: [Math.PI, 2.275],
  f: (x) => {
    const [x1, x2] = x;
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));

/**
 * Hartmann-6 on [0, 1]^6: -Σ_i α_i exp(-Σ_j A_ij (x_j - P_ij)²);
 * minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
 */
export const hartmann6: TestFunction = {
  name: 'Hartmann-6 (6-D)',
  bounds: [
    [0, 1],
    [0, 1],
    [0, 1],
    [0, 1],
    [0, 1],
    [0, 1],
  ],
  minimum: -3.32237,
  argmin: [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
  f: (x) => {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2;
      s += H6_ALPHA[i] * Math.exp(-inner);
    }
    return -s;
  },
};

const SPHERE_SHIFT = [1.3, -2.1, 0.7, 3.4, -0.9];

/** Shifted sphere, 5-D on [-5, 5]^5: Σ (x_i - s_i)², s = (1.3, -2.1, 0.7, 3.4, -0.9); minimum 0 at s. */
export const shiftedSphere5: TestFunction = {
  name: 'Shifted sphere (5-D)',
  bounds: SPHERE_SHIFT.map(() => [-5, 5] as const),
  minimum: 0,
  argmin: SPHERE_SHIFT,
  f: (x) => {
    let s = 0;
    for (let i = 0; i < 5; i++) s += (x[i] - SPHERE_SHIFT[i]) ** 2;
    return s;
  },
};

/** Rosenbrock, 4-D on [-2.048, 2.048]^4: Σ 100(x_{i+1} - x_i²)² + (1 - x_i)²; minimum 0 at (1, …, 1). */
export const rosenbrock4: TestFunction = {
  name: 'Rosenbrock (4-D)',
  bounds: [0, 1, 2, 3].map(() => [-2.048, 2.048] as const),
  minimum: 0,
  argmin: [1, 1, 1, 1],
  f: (x) => {
    let s = 0;
    for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
    return s;
  },
};
