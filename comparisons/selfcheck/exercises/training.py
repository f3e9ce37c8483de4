"""Chapter: training techniques (训练技巧): optimizer steps, a learning-rate schedule, clipping."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

import minitorch
import minitorch.optim as moptim
from comparisons.selfcheck.exercise import Case, Classic, Exercise, register
from comparisons.selfcheck.exercises.common import randn, tensor
from minitorch.amp.grad_scaler import GradScaler
from minitorch.nn.utils.clip_grad import clip_grad_norm_

# ---------------------------------------------------------------------------------------------
# One optimizer step, both libraries, from a given state
# ---------------------------------------------------------------------------------------------


def _torch_step(make: Callable[[list[torch.nn.Parameter]], torch.optim.Optimizer], param: np.ndarray,
                grad: np.ndarray, state: dict[str, Any]) -> tuple[torch.Tensor, dict[str, Any]]:
    p = torch.nn.Parameter(tensor(param))
    p.grad = tensor(grad)
    optimizer = make([p])
    if state:
        optimizer.state[p] = {k: v if isinstance(v, torch.Tensor) else tensor(v) for k, v in state.items()}
    optimizer.step()
    return p.detach(), optimizer.state[p]


def _minitorch_step(make: Callable[[list[minitorch.nn.Parameter]], moptim.Optimizer], param: np.ndarray,
                    grad: np.ndarray, state: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
    p = minitorch.nn.Parameter(np.array(param))
    p.grad = minitorch.Tensor(np.array(grad))
    optimizer = make([p])
    if state:
        optimizer.state[p] = {k: minitorch.Tensor(np.array(v)) if isinstance(v, np.ndarray) else v
                              for k, v in state.items()}
    optimizer.step()
    return p.data, optimizer.state[p]


# ---------------------------------------------------------------------------------------------
# SGD with momentum / Nesterov
# ---------------------------------------------------------------------------------------------


def _sgd_cases(rng: np.random.Generator) -> list[Case]:
    def case(label: str, first: bool, momentum: float, dampening: float, wd: float, nesterov: bool,
             shape: tuple[int, ...] = (3, 4)) -> Case:
        buf = None if first else randn(rng, *shape)
        hyper = (0.1, momentum, dampening, wd, nesterov)
        return Case(label, (randn(rng, *shape), randn(rng, *shape), buf, *hyper))

    return [
        case("first step (no buffer yet)", True, 0.9, 0.0, 0.0, False),
        case("later step, classic momentum", False, 0.9, 0.0, 0.0, False),
        case("later step, Nesterov", False, 0.9, 0.0, 0.0, True),
        case("first step, Nesterov", True, 0.8, 0.0, 0.0, True),
        case("dampening 0.5, later step", False, 0.9, 0.5, 0.0, False),
        case("dampening 0.5, first step", True, 0.9, 0.5, 0.0, False),
        case("weight decay 0.1, Nesterov", False, 0.9, 0.0, 0.1, True),
        case("size-1 param (1,)", False, 0.5, 0.0, 0.01, False, shape=(1,)),
    ]


def _sgd_torch(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None, lr: float, momentum: float,
               dampening: float, weight_decay: float, nesterov: bool) -> tuple[np.ndarray, np.ndarray]:
    state = {} if buf is None else {"momentum_buffer": buf}
    p, new_state = _torch_step(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum, dampening=dampening,
                                                          weight_decay=weight_decay, nesterov=nesterov),
                               param, grad, state)
    return p.numpy(), new_state["momentum_buffer"].numpy()


def _sgd_minitorch(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None, lr: float, momentum: float,
                   dampening: float, weight_decay: float, nesterov: bool) -> tuple[np.ndarray, np.ndarray]:
    state = {} if buf is None else {"momentum_buffer": buf}
    p, new_state = _minitorch_step(lambda ps: moptim.SGD(ps, lr=lr, momentum=momentum, dampening=dampening,
                                                         weight_decay=weight_decay, nesterov=nesterov),
                                   param, grad, state)
    return p, new_state["momentum_buffer"].data


def _sgd_numpy(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None, lr: float, momentum: float,
               dampening: float, weight_decay: float, nesterov: bool, *, as_nesterov: bool | None = None,
               damp_first: bool = False, decay_after: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """SGD in NumPy with knobs for the classic mistakes."""
    d = grad if decay_after else grad + weight_decay * param
    if buf is None:
        new_buf = (1 - dampening) * d if damp_first else d
    else:
        new_buf = momentum * buf + (1 - dampening) * d
    use_nesterov = nesterov if as_nesterov is None else as_nesterov
    step = d + momentum * new_buf if use_nesterov else new_buf
    if decay_after:
        step = step + weight_decay * param
    return param - lr * step, new_buf


SGD_STEP = Exercise(
    name="sgd_momentum_step", chapter="training", difficulty=2,
    title="SGD with momentum and Nesterov",
    signature="sgd_momentum_step(param: np.ndarray, grad: np.ndarray, buf: np.ndarray | None, lr: float,"
              " momentum: float, dampening: float, weight_decay: float, nesterov: bool)"
              " -> tuple[np.ndarray, np.ndarray]",
    doc="""\
One step of torch's SGD with momentum (momentum > 0): the new parameter and momentum buffer.

Inputs: param, grad (same shape); buf, the momentum buffer of the previous step, or None on
    the first step; the hyper-parameters. Return (new_param, new_buf), both param's shape.
Math (torch's formulation; the lr multiplies at the end, not inside the buffer):
    d = grad + weight_decay * param
    new_buf = d                                         on the first step (buf is None: no
                                                        dampening on the first step)
    new_buf = momentum * buf + (1 - dampening) * d      afterwards
    step = d + momentum * new_buf  if nesterov  else  new_buf
    new_param = param - lr * step
Hint: Nesterov "looks ahead": it steps along the gradient PLUS momentum times the new buffer.
PyTorch: torch.optim.SGD([p], lr, momentum, dampening, weight_decay, nesterov).step()
    (the buffer is optimizer.state[p]["momentum_buffer"])
""",
    make_cases=_sgd_cases,
    expected=_sgd_torch,
    reference=_sgd_minitorch,
    outputs=("new_param", "new_buf"),
    classics=(
        Classic("Nesterov momentum steps along d + momentum * new_buf (the look-ahead), not along "
                "the buffer alone: that is classic momentum.", lambda *a: _sgd_numpy(*a, as_nesterov=False)),
        Classic("without nesterov the step is the buffer itself (classic momentum); you used the "
                "Nesterov look-ahead.", lambda *a: _sgd_numpy(*a, as_nesterov=True)),
        Classic("on the first step the buffer is d itself; torch applies no dampening on that step.",
                lambda *a: _sgd_numpy(*a, damp_first=True)),
        Classic("weight decay is added to the gradient BEFORE the momentum buffer (d = grad + "
                "weight_decay * param).", lambda *a: _sgd_numpy(*a, decay_after=True)),
    ),
)

# ---------------------------------------------------------------------------------------------
# Adam and AdamW
# ---------------------------------------------------------------------------------------------


def _adam_cases(rng: np.random.Generator) -> list[Case]:
    def case(label: str, step: int, wd: float, shape: tuple[int, ...] = (3, 4), lr: float = 0.1,
             eps: float = 1e-8) -> Case:
        first = step == 1
        m = np.zeros(shape) if first else randn(rng, *shape, scale=0.1)
        v = np.zeros(shape) if first else rng.uniform(0.0, 0.05, shape)
        return Case(label, (randn(rng, *shape), randn(rng, *shape), m, v, step, lr, 0.9, 0.999, eps, wd))

    return [
        case("step 1 (zero moments)", 1, 0.0),
        case("step 5", 5, 0.0),
        case("step 1, weight decay 0.1", 1, 0.1),
        case("step 3, weight decay 0.1", 3, 0.1),
        case("step 1000 (bias correction ~ 1)", 1000, 0.05),
        case("tiny gradients, eps 1e-3", 2, 0.0, eps=1e-3),
        case("size-1 param (1,)", 4, 0.01, shape=(1,)),
    ]


def _adam_state(m: np.ndarray, v: np.ndarray, step: int, for_torch: bool) -> dict[str, Any]:
    previous = torch.tensor(float(step - 1)) if for_torch else step - 1
    return {"step": previous, "exp_avg": m, "exp_avg_sq": v}


def _adam_torch(cls: type[torch.optim.Optimizer]) -> Callable[..., tuple[np.ndarray, ...]]:
    def run(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, step: int, lr: float,
            beta1: float, beta2: float, eps: float, weight_decay: float) -> tuple[np.ndarray, ...]:
        p, state = _torch_step(lambda ps: cls(ps, lr=lr, betas=(beta1, beta2), eps=eps,
                                              weight_decay=weight_decay),
                               param, grad, _adam_state(m, v, step, True))
        return p.numpy(), state["exp_avg"].numpy(), state["exp_avg_sq"].numpy()
    return run


def _adam_minitorch(cls: type[moptim.Optimizer]) -> Callable[..., tuple[np.ndarray, ...]]:
    def run(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, step: int, lr: float,
            beta1: float, beta2: float, eps: float, weight_decay: float) -> tuple[np.ndarray, ...]:
        p, state = _minitorch_step(lambda ps: cls(ps, lr=lr, betas=(beta1, beta2), eps=eps,
                                                  weight_decay=weight_decay),
                                   param, grad, _adam_state(m, v, step, False))
        return p, state["exp_avg"].data, state["exp_avg_sq"].data
    return run


def _adam_numpy(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, step: int, lr: float,
                beta1: float, beta2: float, eps: float, weight_decay: float, *, decay: str = "l2",
                bias_correction: bool = True, eps_inside: bool = False) -> tuple[np.ndarray, ...]:
    """Adam in NumPy; decay is "l2" (Adam), "decoupled" (AdamW) or "decoupled_unscaled" (p -= wd p)."""
    if decay == "l2":
        grad = grad + weight_decay * param
    elif decay == "decoupled":
        param = param * (1 - lr * weight_decay)
    else:
        param = param * (1 - weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**step) if bias_correction else m
    v_hat = v / (1 - beta2**step) if bias_correction else v
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return param - lr * m_hat / denom, m, v


_ADAM_DOC = """\
One step of {name}: the new parameter and the new first and second moments.

Inputs: param, grad, m (exp_avg), v (exp_avg_sq), all the same shape; step = t, the number of
    this step (1 on the first step, when m and v are zeros); lr, beta1, beta2, eps,
    weight_decay. Return (new_param, new_m, new_v), each param's shape.
Math:
{decay}    m_t = beta1 m + (1 - beta1) g;   v_t = beta2 v + (1 - beta2) g^2
    m_hat = m_t / (1 - beta1^t);   v_hat = v_t / (1 - beta2^t)      (bias correction)
    new_param = p - lr * m_hat / (sqrt(v_hat) + eps)                (eps OUTSIDE the sqrt)
Hint: {hint}
PyTorch: torch.optim.{name}([p], lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    .step()  (m, v are optimizer.state[p]["exp_avg"], ["exp_avg_sq"])
"""

def _adam_exercise(torch_cls: type[torch.optim.Optimizer], minitorch_cls: type[moptim.Optimizer],
                   decay: str, decay_doc: str, hint: str, own: Classic) -> Exercise:
    """Adam and AdamW: one exercise shape; they differ in the weight decay and its classic."""
    name = torch_cls.__name__
    shared = (
        Classic("Adam without bias correction: divide m by (1 - beta1^t) and v by (1 - beta2^t); "
                "early steps are far too small without it.",
                lambda *a: _adam_numpy(*a, decay=decay, bias_correction=False)),
        Classic("eps goes OUTSIDE the square root: sqrt(v_hat) + eps.",
                lambda *a: _adam_numpy(*a, decay=decay, eps_inside=True)),
    )
    return Exercise(
        name=f"{name.lower()}_step", chapter="training", difficulty=2,
        title=f"An {name} step" + (" (decoupled weight decay)" if decay == "decoupled" else ""),
        signature=f"{name.lower()}_step(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray,"
                  " step: int, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float)"
                  " -> tuple[np.ndarray, np.ndarray, np.ndarray]",
        doc=_ADAM_DOC.format(name=name, decay=decay_doc, hint=hint),
        make_cases=_adam_cases,
        expected=_adam_torch(torch_cls),
        reference=_adam_minitorch(minitorch_cls),
        outputs=("new_param", "new_m", "new_v"),
        classics=(*shared, own),
    )


ADAM_STEP = _adam_exercise(
    torch.optim.Adam, moptim.Adam, "l2",
    "    g = grad + weight_decay * p          (Adam's weight decay: an L2 term in the gradient)\n",
    "t starts at 1, so 1 - beta^t is never 0. The moments use the decayed gradient g.",
    Classic("torch's Adam adds weight_decay * p to the gradient (L2); shrinking the parameter "
            "directly is AdamW's decoupled decay.", lambda *a: _adam_numpy(*a, decay="decoupled")),
)

ADAMW_STEP = _adam_exercise(
    torch.optim.AdamW, moptim.AdamW, "decoupled",
    "    p = p * (1 - lr * weight_decay);  g = grad   (decoupled: the decay never enters m, v)\n",
    "the decay shrinks the parameter directly, scaled by lr, before the Adam update.",
    Classic("AdamW decouples the weight decay: p = p * (1 - lr * weight_decay), and the gradient "
            "stays as it is. Adding weight_decay * p to the gradient is Adam's L2.",
            lambda *a: _adam_numpy(*a, decay="l2")),
)

# ---------------------------------------------------------------------------------------------
# Cosine annealing with linear warmup
# ---------------------------------------------------------------------------------------------


def _schedule_cases(rng: np.random.Generator) -> list[Case]:
    config = (0.1, 5, 20, 0.001, 0.1)  # base_lr, warmup_steps, total_steps, min_lr, start_factor
    short = (1.0, 1, 4, 0.0, 0.5)
    steps = [0, 2, 4, 5, 6, 12, 19, 20]
    cases = [Case(f"step {s} of (warmup 5, total 20)", (s, *config)) for s in steps]
    return cases + [Case(f"step {s} of (warmup 1, total 4)", (s, *short)) for s in (0, 1, 3, 4)]


def _schedule(scheduler_module: Any, optimizer: Any, warmup: int, total: int, min_lr: float,
              start_factor: float) -> Any:
    warm = scheduler_module.LinearLR(optimizer, start_factor=start_factor, total_iters=warmup)
    cosine = scheduler_module.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=min_lr)
    return scheduler_module.SequentialLR(optimizer, [warm, cosine], milestones=[warmup])


def _lr_torch(step: int, base_lr: float, warmup: int, total: int, min_lr: float,
              start_factor: float) -> float:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    scheduler = _schedule(torch.optim.lr_scheduler, optimizer, warmup, total, min_lr, start_factor)
    for _ in range(step):
        optimizer.step()
        scheduler.step()
    return optimizer.param_groups[0]["lr"]


def _lr_minitorch(step: int, base_lr: float, warmup: int, total: int, min_lr: float,
                  start_factor: float) -> float:
    optimizer = moptim.SGD([minitorch.nn.Parameter(np.zeros(1))], lr=base_lr)
    scheduler = _schedule(moptim.lr_scheduler, optimizer, warmup, total, min_lr, start_factor)
    for _ in range(step):
        optimizer.step()  # the order torch asks for (no gradients here: the step changes nothing)
        scheduler.step()
    return optimizer.param_groups[0]["lr"]


def _lr_formula(step: int, base_lr: float, warmup: int, total: int, min_lr: float, start_factor: float, *,
                warm_from_zero: bool = False, cosine_over_total: bool = False) -> float:
    if step < warmup:
        start = 0.0 if warm_from_zero else start_factor
        return base_lr * (start + (1 - start) * step / warmup)
    t, span = (step, total) if cosine_over_total else (step - warmup, total - warmup)
    return min_lr + (base_lr - min_lr) * (1 + math.cos(math.pi * t / span)) / 2


COSINE_WARMUP = Exercise(
    name="cosine_with_warmup", chapter="training", difficulty=1,
    title="Cosine annealing with linear warmup",
    signature="cosine_with_warmup(step: int, base_lr: float, warmup_steps: int, total_steps: int,"
              " min_lr: float, start_factor: float) -> float",
    doc="""\
The learning rate at a given step of linear warmup followed by cosine annealing.

Inputs: step in [0, total_steps]; 1 <= warmup_steps < total_steps. Return a float.
Math: warmup (step < warmup_steps): the factor grows linearly from start_factor to 1:
        lr = base_lr * (start_factor + (1 - start_factor) * step / warmup_steps)
    then, with t = step - warmup_steps and T = total_steps - warmup_steps:
        lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * t / T)) / 2
    so lr = base_lr exactly at step = warmup_steps and lr = min_lr at step = total_steps.
Hint: the cosine phase starts at the end of the warmup and lasts T steps, not total_steps.
PyTorch: SequentialLR(opt, [LinearLR(opt, start_factor, total_iters=warmup_steps),
    CosineAnnealingLR(opt, T_max=total_steps - warmup_steps, eta_min=min_lr)],
    milestones=[warmup_steps]); the lr after `step` calls of scheduler.step()
""",
    make_cases=_schedule_cases,
    expected=_lr_torch,
    reference=_lr_minitorch,
    outputs=("lr",),
    atol=1e-9,
    rtol=1e-7,
    classics=(
        Classic("the warmup starts at start_factor * base_lr, not at 0.",
                lambda *a: _lr_formula(*a, warm_from_zero=True)),
        Classic("the cosine phase starts when the warmup ends: use t = step - warmup_steps over "
                "T = total_steps - warmup_steps.", lambda *a: _lr_formula(*a, cosine_over_total=True)),
    ),
)

# ---------------------------------------------------------------------------------------------
# Gradient clipping by total norm
# ---------------------------------------------------------------------------------------------

Clipped = tuple[list[np.ndarray], float]


def _clip_cases(rng: np.random.Generator) -> list[Case]:
    def grads(*shapes: tuple[int, ...], scale: float = 1.0) -> list[np.ndarray]:
        return [randn(rng, *s, scale=scale) for s in shapes]

    return [
        Case("norm above max_norm (clipped)", (grads((3, 4), (4,), (2, 2, 2), scale=2), 1.0, 2.0)),
        Case("norm below max_norm (unchanged)", (grads((3,), (2, 2), scale=0.1), 5.0, 2.0)),
        Case("infinity norm", (grads((3, 3), (5,), scale=3), 1.0, math.inf)),
        Case("1-norm", (grads((2, 3), (3,)), 2.0, 1.0)),
        Case("one tensor", (grads((4, 4), scale=2), 0.5, 2.0)),
        Case("a size-1 gradient", (grads((1,), (2,), scale=5), 1.0, 2.0)),
    ]


def _clip_torch(grads: list[np.ndarray], max_norm: float, norm_type: float) -> Clipped:
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = tensor(g)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    return [p.grad.numpy() for p in params], float(total)


def _clip_minitorch(grads: list[np.ndarray], max_norm: float, norm_type: float) -> Clipped:
    params = [minitorch.nn.Parameter(np.zeros(g.shape)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = minitorch.Tensor(np.array(g))
    total = clip_grad_norm_(params, max_norm, norm_type)
    return [p.grad.data for p in params], float(total.item())


def _norm(g: np.ndarray, norm_type: float) -> float:
    return float(np.linalg.norm(g.ravel(), ord=norm_type))


def _clip_per_tensor(grads: list[np.ndarray], max_norm: float, norm_type: float) -> Clipped:
    clipped = [g * min(1.0, max_norm / (_norm(g, norm_type) + 1e-6)) for g in grads]
    return clipped, _clip_torch(grads, max_norm, norm_type)[1]


def _clip_always(grads: list[np.ndarray], max_norm: float, norm_type: float) -> Clipped:
    total = _clip_torch(grads, max_norm, norm_type)[1]
    return [g * max_norm / (total + 1e-6) for g in grads], total


def _clip_l2_for_all(grads: list[np.ndarray], max_norm: float, norm_type: float) -> Clipped:
    return _clip_torch(grads, max_norm, 2.0)


CLIP_GRAD_NORM = Exercise(
    name="clip_grad_norm", chapter="training", difficulty=1,
    title="Clip gradients by their total norm",
    signature="clip_grad_norm(grads: list[np.ndarray], max_norm: float, norm_type: float)"
              " -> tuple[list[np.ndarray], float]",
    doc="""\
Scale all gradients together so that their total norm is at most max_norm.

Inputs: grads, the gradients of all parameters (any shapes); max_norm > 0; norm_type p
    (2.0, 1.0, or math.inf). Return (clipped_grads, total_norm): a list of arrays with the
    same shapes, and the total norm BEFORE clipping as a float.
Math: total = || (||g_1||_p, ||g_2||_p, ...) ||_p, the p-norm of all gradients seen as one long
    vector (p = inf: the largest |entry| of all). coef = max_norm / (total + 1e-6);
    if coef < 1, every g_i becomes g_i * coef; otherwise they are left unchanged.
Hint: one coefficient for ALL gradients, which keeps the update's direction.
PyTorch: total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type)
""",
    make_cases=_clip_cases,
    expected=_clip_torch,
    reference=_clip_minitorch,
    outputs=("clipped_grads", "total_norm"),
    classics=(
        Classic("clip by the TOTAL norm of all gradients together (one coefficient for all), not "
                "each tensor by its own norm.", _clip_per_tensor),
        Classic("only scale DOWN: when the total norm is already below max_norm, leave the "
                "gradients unchanged (coef = min(1, max_norm / (total + 1e-6))).", _clip_always),
        Classic("norm_type selects the norm: p = inf is the largest |entry|, p = 1 the sum of "
                "|entries|; you always used the 2-norm.", _clip_l2_for_all),
    ),
)

register(SGD_STEP, ADAM_STEP, ADAMW_STEP, COSINE_WARMUP, CLIP_GRAD_NORM)

# ---------------------------------------------------------------------------------------------
# Mixed precision: dynamic loss scaling
# ---------------------------------------------------------------------------------------------


def _scaler_cases(rng: np.random.Generator) -> list[Case]:
    def grads(*shapes: tuple[int, ...], bad: float | None = None) -> list[np.ndarray]:
        arrays = [randn(rng, *s, scale=1024.0) for s in shapes]
        if bad is not None:
            arrays[-1].flat[0] = bad
        return arrays

    return [
        Case("finite, counting up", (grads((3,), (2, 2)), 1024.0, 0, 2.0, 0.5, 3)),
        Case("finite, interval reached: grow", (grads((3,), (2, 2)), 1024.0, 2, 2.0, 0.5, 3)),
        Case("an inf: skip, back off", (grads((3,), (2, 2), bad=math.inf), 65536.0, 2, 2.0, 0.5, 3)),
        Case("a NaN: skip, back off", (grads((4,), bad=math.nan), 8.0, 1, 2.0, 0.5, 5)),
        Case("growth_interval 1", (grads((2, 3)), 1.0, 0, 4.0, 0.25, 1)),
        Case("one gradient, large scale", (grads((1,)), 2.0**24, 4, 2.0, 0.5, 2000)),
    ]


class _StepRecorder(torch.optim.SGD):
    """An optimizer that only records whether GradScaler let it step."""

    stepped = False

    def step(self, closure: Any = None) -> None:
        self.stepped = True


def _scaler_torch(grads: list[np.ndarray], scale: float, tracker: int, growth: float, backoff: float,
                  interval: int) -> tuple[list[np.ndarray], bool, float, int]:
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = tensor(g)
    optimizer = _StepRecorder(params, lr=0.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=scale, growth_factor=growth, backoff_factor=backoff,
                                  growth_interval=interval)
    scaler.load_state_dict({"scale": scale, "growth_factor": growth, "backoff_factor": backoff,
                            "growth_interval": interval, "_growth_tracker": tracker})
    scaler.scale(torch.ones(()))  # torch creates its scale tensor here, as on a real loss
    scaler.step(optimizer)
    scaler.update()
    return ([p.grad.numpy() for p in params], optimizer.stepped, scaler.get_scale(),
            scaler.state_dict()["_growth_tracker"])


def _scaler_minitorch(grads: list[np.ndarray], scale: float, tracker: int, growth: float, backoff: float,
                      interval: int) -> tuple[list[np.ndarray], bool, float, int]:
    params = [minitorch.nn.Parameter(np.zeros(g.shape)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = minitorch.Tensor(np.array(g))
    stepped: list[bool] = []
    optimizer = SimpleNamespace(param_groups=[{"params": params}], step=lambda: stepped.append(True))
    scaler = GradScaler()
    scaler.load_state_dict({"scale": scale, "growth_factor": growth, "backoff_factor": backoff,
                            "growth_interval": interval, "_growth_tracker": tracker})
    scaler.step(optimizer)
    scaler.update()
    return ([p.grad.data for p in params], bool(stepped), scaler.get_scale(),
            scaler.state_dict()["_growth_tracker"])


def _scaler_numpy(grads: list[np.ndarray], scale: float, tracker: int, growth: float, backoff: float,
                  interval: int, *, check: Callable[[np.ndarray], np.ndarray] = np.isfinite,
                  reset_on_overflow: bool = True, use_interval: bool = True, reset_after_growth: bool = True,
                  multiply: bool = False) -> tuple[list[np.ndarray], bool, float, int]:
    """GradScaler's step and update in NumPy, with knobs for the classic mistakes."""
    unscaled = [g * scale if multiply else g / scale for g in grads]
    found_inf = not all(check(g).all() for g in grads)
    if found_inf:
        return unscaled, False, scale * backoff, 0 if reset_on_overflow else tracker
    tracker += 1
    if tracker == interval or not use_interval:
        return unscaled, True, scale * growth, 0 if reset_after_growth else tracker
    return unscaled, True, scale, tracker


GRAD_SCALER = Exercise(
    name="grad_scaler_step", chapter="training", difficulty=2,
    title="Mixed precision: a GradScaler step",
    signature="grad_scaler_step(grads: list[np.ndarray], scale: float, growth_tracker: int,"
              " growth_factor: float, backoff_factor: float, growth_interval: int)"
              " -> tuple[list[np.ndarray], bool, float, int]",
    doc="""\
Dynamic loss scaling: unscale the gradients, decide whether the optimizer may step, and
adapt the scale.

Inputs: grads, the gradients of the scaled loss (loss * scale) for every parameter; scale S;
    growth_tracker, the number of good steps in a row so far; growth_factor (> 1),
    backoff_factor (< 1), growth_interval.
Return (unscaled_grads, stepped, new_scale, new_growth_tracker).
Math: unscaled g_i = g_i / S (for every gradient, even on a bad step).
    If any gradient holds inf or NaN: stepped = False, new_scale = S * backoff_factor,
    new_growth_tracker = 0.
    Else: stepped = True, growth_tracker + 1; if that reaches growth_interval, new_scale =
    S * growth_factor and the tracker restarts at 0; otherwise the scale stays.
Hint: "inf or NaN" is `not np.isfinite(g).all()`; np.isinf misses NaN.
PyTorch: scaler = torch.amp.GradScaler(init_scale=S, growth_factor, backoff_factor,
    growth_interval); scaler.step(optimizer); scaler.update()  (scaler.get_scale(),
    scaler.state_dict()["_growth_tracker"])
""",
    make_cases=_scaler_cases,
    expected=_scaler_torch,
    reference=_scaler_minitorch,
    outputs=("unscaled_grads", "stepped", "new_scale", "new_growth_tracker"),
    classics=(
        Classic("a NaN gradient is as bad as an inf: test with np.isfinite, not np.isinf.",
                lambda *a: _scaler_numpy(*a, check=lambda g: ~np.isinf(g))),
        Classic("after an overflow the count of good steps starts again at 0.",
                lambda *a: _scaler_numpy(*a, reset_on_overflow=False)),
        Classic("the scale grows only after growth_interval good steps in a row, not on every good step.",
                lambda *a: _scaler_numpy(*a, use_interval=False)),
        Classic("after growing the scale, the good-step count restarts at 0.",
                lambda *a: _scaler_numpy(*a, reset_after_growth=False)),
        Classic("unscaling DIVIDES the gradients by the scale (the loss was multiplied by it).",
                lambda *a: _scaler_numpy(*a, multiply=True)),
    ),
)

register(GRAD_SCALER)
