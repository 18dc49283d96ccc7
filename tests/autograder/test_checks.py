"""The assertion helpers that test cells use: they pass on right answers and explain wrong ones."""

import numpy as np
import pytest

from autograder.checks import (
    check_at_least,
    check_at_most,
    check_close,
    check_finite,
    check_gradient,
    check_shape,
    numerical_gradient,
    relative_error,
)


def test_check_close_accepts_values_within_tolerance():
    check_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-9], "w", rtol=1e-6)


def test_check_close_names_the_worst_entry_and_adds_the_hint():
    with pytest.raises(AssertionError, match=r"w is off: at index \(1,\) it is 2.5, expected 2 .*Did you add b\?"):
        check_close(np.array([1.0, 2.5, 3.1]), [1.0, 2.0, 3.0], "w", atol=0.2, hint="Did you add b?")


def test_check_close_rejects_a_wrong_shape_before_comparing():
    with pytest.raises(AssertionError, match=r"y_hat has shape \(3, 1\); expected \(3,\)"):
        check_close(np.zeros((3, 1)), np.zeros(3), "y_hat")


def test_check_close_compares_scalars():
    check_close(0.5, 0.5, "loss")
    with pytest.raises(AssertionError, match="loss is off"):
        check_close(0.6, 0.5, "loss", rtol=0.1)


def test_check_shape_and_finite_reject_bad_arrays():
    check_shape(np.zeros((2, 3)), (2, 3), "X")
    with pytest.raises(AssertionError, match="NaN or infinite"):
        check_finite([1.0, np.nan], "grad")
    with pytest.raises(AssertionError, match="NaN or infinite"):
        check_close([np.inf], [1.0], "grad", atol=np.inf)


def test_numerical_gradient_of_a_quadratic_is_exact_enough():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    w = np.array([0.5, -1.5])
    grad = numerical_gradient(lambda v: 0.5 * v @ A @ v, w)
    assert relative_error(grad, A @ w) < 1e-8


def test_check_gradient_passes_the_true_gradient_and_fails_a_wrong_one():
    w = np.array([1.0, -2.0, 0.5])
    check_gradient(lambda v: np.sum(v**3), 3 * w**2, w, "grad")
    with pytest.raises(AssertionError, match="grad disagrees with finite differences"):
        check_gradient(lambda v: np.sum(v**3), 2 * w**2, w, "grad")


def test_relative_error_is_zero_for_equal_zero_arrays():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_check_at_least_and_at_most_explain_the_bound():
    check_at_least(0.96, 0.95, "test accuracy")
    check_at_most(0.01, 0.05, "error")
    with pytest.raises(AssertionError, match="test accuracy is 0.9; it should be at least 0.95. Train longer."):
        check_at_least(0.9, 0.95, "test accuracy", hint="Train longer.")
    with pytest.raises(AssertionError, match="error is 0.2; it should be at most 0.05"):
        check_at_most(0.2, 0.05, "error")
    with pytest.raises(AssertionError, match="loss is nan"):
        check_at_most(float("nan"), 1.0, "loss")
