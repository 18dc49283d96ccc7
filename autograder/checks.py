"""Assertions for notebook test cells that tell the student what is wrong and how to fix it."""

from collections.abc import Callable

import numpy as np


def check_shape(actual, expected_shape: tuple, name: str) -> None:
    """Fail unless ``actual`` is an array of ``expected_shape``."""
    shape = np.shape(actual)
    if shape != tuple(expected_shape):
        raise AssertionError(f"{name} has shape {shape}; expected {tuple(expected_shape)}.")


def check_finite(actual, name: str) -> None:
    """Fail if ``actual`` holds NaN or infinity."""
    values = np.asarray(actual, dtype=float)
    if not np.all(np.isfinite(values)):
        raise AssertionError(f"{name} contains NaN or infinite values.")


def check_close(actual, expected, name: str, *, rtol: float = 1e-7, atol: float = 0.0, hint: str = "") -> None:
    """Fail unless ``actual`` matches ``expected`` in shape and within tolerance, naming the worst entry."""
    expected = np.asarray(expected, dtype=float)
    check_shape(actual, expected.shape, name)
    actual = np.asarray(actual, dtype=float)
    check_finite(actual, name)
    error = np.abs(actual - expected)
    allowed = atol + rtol * np.abs(expected)
    if np.all(error <= allowed):
        return
    worst = np.unravel_index(np.argmax(error - allowed), error.shape) if error.ndim else ()
    where = f"at index {tuple(int(i) for i in worst)} " if worst else ""
    message = (
        f"{name} is off: {where}it is {actual[worst]:.6g}, expected {expected[worst]:.6g} "
        f"(|difference| {error[worst]:.3g} > allowed {allowed[worst]:.3g})."
    )
    raise AssertionError(f"{message} {hint}".strip())


def check_at_least(actual: float, minimum: float, name: str, *, hint: str = "") -> None:
    """Fail unless the number ``actual`` (an accuracy, a speed-up) reaches ``minimum``."""
    if not np.isfinite(actual) or actual < minimum:
        raise AssertionError(f"{name} is {actual:.6g}; it should be at least {minimum:.6g}. {hint}".strip())


def check_at_most(actual: float, maximum: float, name: str, *, hint: str = "") -> None:
    """Fail unless the number ``actual`` (an error, a loss) stays at or below ``maximum``."""
    if not np.isfinite(actual) or actual > maximum:
        raise AssertionError(f"{name} is {actual:.6g}; it should be at most {maximum:.6g}. {hint}".strip())


def numerical_gradient(f: Callable[[np.ndarray], float], w: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of the scalar function ``f`` at ``w``."""
    w = np.asarray(w, dtype=float)
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[index] = eps
        grad[index] = (f(w + step) - f(w - step)) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """``||a - b|| / (||a|| + ||b||)``, the usual gradient-check measure (0 when both are zero)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def check_gradient(
    f: Callable[[np.ndarray], float], grad: np.ndarray, w: np.ndarray, name: str, *, tol: float = 1e-6
) -> None:
    """Fail unless the analytic ``grad`` of ``f`` at ``w`` agrees with finite differences."""
    check_shape(grad, np.shape(w), name)
    expected = numerical_gradient(f, w)
    error = relative_error(grad, expected)
    if error > tol:
        raise AssertionError(
            f"{name} disagrees with finite differences: relative error {error:.2e} > {tol:.0e}. "
            f"Analytic {np.round(np.ravel(grad)[:4], 6)}..., numerical {np.round(np.ravel(expected)[:4], 6)}..."
        )
