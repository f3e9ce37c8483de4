# ruff: noqa: E501  (translations are kept one per line, whatever their width)
"""Chinese (中文): the self-check's messages, exercise titles, descriptions and hints.

Each table maps the English text (as written in the code) or an exercise's name to Chinese.
`tests/selfcheck/test_language.py` checks that nothing is missing.
"""

MESSAGES: dict[str, str] = {
    # verdicts, statuses, difficulty
    "PASS": "通过",
    "FAIL": "未通过",
    "TODO": "待完成",
    "easy": "简单",
    "medium": "中等",
    "hard": "困难",
    "done": "已完成",
    "failing": "未通过",
    "not started": "未开始",
    "unchecked": "未检查",
    "changed": "已修改待检查",
    "unverified": "记录无法验证",
    "{count} done": "{count} 个已完成",
    "{count} failing": "{count} 个未通过",
    "{count} to check": "{count} 个待检查",
    "{count} not started": "{count} 个未开始",
    # the command line
    "expected a positive finite number of seconds, got {text!r}": "应为正的有限秒数，得到的是 {text!r}",
    "expected a size of at least {least} such as 4G or 512M, got {text!r}":
        "应为不小于 {least} 的大小，例如 4G 或 512M，得到的是 {text!r}",
    "{count} exercises. Start one with: python -m comparisons.selfcheck start NAME":
        "共 {count} 道练习。开始一道：python -m comparisons.selfcheck start 名称",
    "Chapter: {chapter}. Difficulty: {difficulty}.": "章节：{chapter}。难度：{difficulty}。",
    "Check it with:  python -m comparisons.selfcheck check {name}":
        "检查方法：  python -m comparisons.selfcheck check {name}",
    "wrote {path}\nImplement the function, then run: python -m comparisons.selfcheck check {name}":
        "已写入 {path}\n实现这个函数，然后运行：python -m comparisons.selfcheck check {name}",
    "{path} already exists: not overwritten (your work is kept). "
    "Delete or rename it yourself to start over.":
        "{path} 已存在：没有覆盖（你的代码保留着）。如需重新开始，请自己删除或重命名它。",
    "{chapter}: {done}/{total} done": "{chapter}：{done}/{total} 已完成",
    "Total: {counts}, of {total}": "合计：{counts}，共 {total} 道",
    ", ": "，",
    "nothing started in {workspace}: begin with `start NAME` (see `list`)":
        "{workspace} 中还没有开始任何练习：先运行 `start 名称`（见 `list`）",
    "check: name one or more exercises, or pass --all": "check：请给出一个或多个练习名称，或使用 --all",
    "MISS {name}: {path} does not exist; run `start {name}` first":
        "缺少 {name}：{path} 不存在；请先运行 `start {name}`",
    "{passed} of {total} passed. `progress` shows the whole list.":
        "{total} 道中通过 {passed} 道。`progress` 显示完整列表。",
    "(uses torch)": "（使用了 torch）",
    # the report
    "{head} {exercise}: {passed}/{total} cases passed": "{head} {exercise}：通过 {passed}/{total} 个测试用例",
    "(uses torch: the exercise is to write it with NumPy)": "（使用了 torch：这道练习要求用 NumPy 实现）",
    "... and {count} more failing cases": "……还有 {count} 个未通过的测试用例",
    "what your code printed:": "你的代码打印的内容：",
    "[... {cut} bytes of output cut ({total} in all) ...]": "[……省略了 {cut} 字节的输出（共 {total} 字节）……]",
    "case '{label}' (inputs: {shapes}):": "测试用例 '{label}'（输入：{shapes}）：",
    "Hint: {hint}": "提示：{hint}",
    "not implemented yet: replace `raise NotImplementedError` with your code.":
        "尚未实现：把 `raise NotImplementedError` 换成你的代码。",
    "raised NotImplementedError": "抛出了 NotImplementedError",
    "your function raised an exception:": "你的函数抛出了异常：",
    # comparing outputs
    "an np.ndarray of shape {shape}": "形状为 {shape} 的 np.ndarray",
    "a {type}": "一个 {type}",
    "a {type} of {count}": "含 {count} 个元素的 {type}",
    "{type} of {count}": "含 {count} 个元素的 {type}",
    "{name}: expected a {type} of {count} values, got {got}": "{name}：应为含 {count} 个值的 {type}，得到的是 {got}",
    "{name}: expected {expected}, got {actual}": "{name}：应为 {expected}，得到的是 {actual}",
    "{name}: expected numbers, got an array of dtype {dtype}": "{name}：应为数值，得到的是 dtype 为 {dtype} 的数组",
    "{name}: expected shape {expected}, got shape {actual}": "{name}：形状应为 {expected}，得到的是 {actual}",
    "{name}: expected integers (dtype {expected}), got floats (dtype {actual})":
        "{name}：应为整数（dtype {expected}），得到的是浮点数（dtype {actual}）",
    " at index {index}": " 在下标 {index} 处",
    " (your output has NaN/inf where the answer is finite)": "（答案是有限值的地方，你的输出是 NaN/inf）",
    "{name}{where}: expected {expected:.8g}, got {actual:.8g}; {bad} of {size} values differ{nonfinite}":
        "{name}{where}：应为 {expected:.8g}，得到的是 {actual:.8g}；{size} 个值中有 {bad} 个不同{nonfinite}",
    "output: expected a list of node names (str), got {type}": "output：应为节点名（str）的列表，得到的是 {type}",
    "output: {node!r} appears more than once": "output：{node!r} 出现了不止一次",
    "output: should hold exactly the nodes reachable from {root!r}; extra {extra}, missing {missing}":
        "output：应恰好包含从 {root!r} 可达的节点；多出 {extra}，缺少 {missing}",
    "output: {parent!r} comes before {node!r}, which uses it, so {parent!r}'s gradient would be used "
    "before {node!r} has sent its part":
        "output：{parent!r} 排在使用它的 {node!r} 之前，于是 {node!r} 还没传回它那一份梯度，"
        "{parent!r} 的梯度就被用掉了",
    # running the attempt
    "time limit: expected a positive finite number of seconds, got {value!r}": "时间限制：应为正的有限秒数，得到的是 {value!r}",
    "memory limit: expected at least {least} (in bytes), got {value!r}":
        "内存限制：应不小于 {least}（以字节计），得到的是 {value!r}",
    "time limit: importing your file did not finish within {seconds:g} s "
    "(code at the top level of the file runs on import).":
        "时间限制：导入你的文件在 {seconds:g} 秒内没有完成（文件顶层的代码在导入时就会运行）。",
    "time limit: your function did not return within {seconds:g} s on case '{label}' ({shapes}). "
    "Is there an infinite loop, or a Python loop over every element of a large array?":
        "时间限制：在测试用例 '{label}'（{shapes}）上，你的函数在 {seconds:g} 秒内没有返回。"
        "是否有死循环，或者用 Python 循环逐个处理一个大数组的每个元素？",
    "your code stopped the checker's worker process (exit code {code}).":
        "你的代码结束了检查器的工作进程（退出码 {code}）。",
    "the worker process running your code was killed by signal {signal}. A crash in native code can be "
    "running out of memory (the limit is {limit}, --memory-limit).":
        "运行你的代码的工作进程被信号 {signal} 终止。原生代码崩溃可能是内存不足"
        "（限制为 {limit}，见 --memory-limit）。",
    "your code ran out of memory: an attempt may use {limit} (--memory-limit changes it). "
    "Is an intermediate array much larger than the inputs?":
        "你的代码内存不足：每次检查最多可用 {limit}（用 --memory-limit 修改）。是否有中间数组比输入大得多？",
    "the worker's output files are damaged (did your code write into its folder?).":
        "工作进程的输出文件已损坏（你的代码是否写入了它的文件夹？）。",
    "line {line}": "第 {line} 行",
    "somewhere": "某处",
    "SyntaxError at {where} of {file}: {message}": "{file} 的{where}有语法错误（SyntaxError）：{message}",
    "{file} defines no function named {function!r}": "{file} 中没有名为 {function!r} 的函数",
    "importing your file raised:": "导入你的文件时抛出了异常：",
    # the worker's own messages (passed to it in the learner's language)
    "the self-check runs your code on its own: `import {name}` is not available here "
    "(the grader, the library and its solutions stay out of reach). Use NumPy.":
        "自测独立运行你的代码：这里不能 `import {name}`（评分器、库本身及其参考解都不可访问）。请用 NumPy 实现。",
    "[... {count} characters cut ...]": "[……省略了 {count} 个字符……]",
}

TITLES: dict[str, str] = {
    # 深度学习基础
    "sigmoid_backward": "Sigmoid 的反向传播",
    "tanh_backward": "Tanh 的反向传播",
    "gelu_backward": "GELU 的反向传播（精确 erf 形式）",
    "softmax_cross_entropy_backward": "Softmax 与交叉熵的反向传播",
    # 张量
    "unbroadcast": "梯度的反广播（求和回原形状）",
    # 自动求导
    "matmul_backward": "矩阵乘法的反向传播（含批量广播）",
    "topological_order": "计算图的逆拓扑排序",
    # 模型构建
    "dropout": "Dropout（正确的缩放）",
    "embedding_backward": "Embedding 的反向传播（重复索引）",
    # 数据加载与保存
    "batch_indices": "把一个 epoch 切分成批次",
    "split_lengths": "按比例划分数据集的长度",
    # 卷积神经网络
    "im2col": "im2col：把图像块展开成列",
    "conv2d_forward": "二维卷积的前向传播（im2col + 矩阵乘法）",
    "conv2d_backward": "二维卷积的反向传播（输入与权重）",
    "maxpool2d_backward": "最大池化的反向传播（并列最大值、重叠窗口）",
    # ResNet 与 ViT
    "batchnorm_forward_train": "批归一化的前向传播（训练模式与滑动统计量）",
    "batchnorm_backward": "批归一化的反向传播（训练模式）",
    "layer_norm_backward": "层归一化的反向传播",
    "patchify": "ViT 的图像分块",
    "scaled_dot_product_attention": "带掩码的缩放点积注意力",
    # 循环神经网络
    "lstm_cell": "LSTM 单元的一步计算",
    "gru_cell": "GRU 单元的一步计算",
    # 训练技巧
    "sgd_momentum_step": "带动量与 Nesterov 的 SGD",
    "adam_step": "Adam 的一步更新",
    "adamw_step": "AdamW 的一步更新（解耦权重衰减）",
    "cosine_with_warmup": "带线性预热的余弦退火学习率",
    "clip_grad_norm": "按总范数裁剪梯度",
    "grad_scaler_step": "混合精度：GradScaler 的一步",
    # 模型调试与可视化
    "gradcam_weights": "Grad-CAM 的通道权重与热力图",
    # MNIST 项目
    "mlp_train_step": "手写 MLP 的一步训练（前向、损失、反向、SGD 更新）",
    "accuracy_and_confusion": "准确率与混淆矩阵",
    # CIFAR-10 项目
    "random_crop_flip": "数据增强：填充后随机裁剪与水平翻转",
    # 文本情感分析项目
    "build_vocab": "构建词表（最小词频、<pad> 与 <unk>）",
    "pad_and_sort": "序列批次的填充与按长度排序",
    "birnn_pool": "双向 RNN 输出的池化与形状对应",
}

HINTS: dict[str, str] = {
    # 深度学习基础
    "sigma'(x) = y (1 - y) uses the output y = sigmoid(x), not the input x: you computed x (1 - x).":
        "sigma'(x) = y (1 - y) 用的是输出 y = sigmoid(x)，而不是输入 x：你算成了 x (1 - x)。",
    "you returned the derivative f'(x) alone. The chain rule multiplies it by the upstream gradient: dL/dx = grad * f'(x).":
        "你只返回了导数 f'(x)。链式法则要把它乘以上游梯度：dL/dx = grad * f'(x)。",
    "tanh'(x) = 1 - y^2 with y = tanh(x): you computed 1 - x^2 from the input.":
        "tanh'(x) = 1 - y^2，其中 y = tanh(x)：你用输入算成了 1 - x^2。",
    "you differentiated the tanh approximation of GELU; the exercise (and torch's default) is the exact form x * Phi(x) with Phi from erf.":
        "你求导的是 GELU 的 tanh 近似；本题（以及 torch 的默认）是精确形式 x * Phi(x)，其中 Phi 由 erf 给出。",
    "d/dx [x Phi(x)] needs the product rule: Phi(x) + x * phi(x). You kept only Phi(x).":
        "d/dx [x Phi(x)] 要用乘积法则：Phi(x) + x * phi(x)。你只保留了 Phi(x)。",
    "unstable softmax: exp of large logits overflows to inf and inf/inf gives NaN. Subtract each row's max before np.exp.":
        "softmax 数值不稳定：大的 logits 取 exp 会溢出为 inf，inf/inf 得到 NaN。在 np.exp 之前先减去每行的最大值。",
    "the loss is the mean over the batch, so the gradient is divided by N.":
        "损失是对批量取平均，所以梯度要除以 N。",
    "dL/dz = (softmax(z) - one_hot(labels)) / N: you left out the one-hot term.":
        "dL/dz = (softmax(z) - one_hot(labels)) / N：你漏掉了 one-hot 项。",
    "the sign is flipped: dL/dz = (p - one_hot) / N, not (one_hot - p) / N.":
        "符号反了：dL/dz = (p - one_hot) / N，而不是 (one_hot - p) / N。",
    # 张量
    "forgot to un-broadcast: the gradient must have the input's shape, summed over every axis along which the input was repeated.":
        "忘了反广播：梯度必须是输入的形状，要沿输入被复制的每个轴求和。",
    "you summed the leading axes but not the axes where the input has size 1; sum those too, with keepdims=True.":
        "你对前面多出的轴求了和，但没有对输入中大小为 1 的轴求和；这些轴也要求和（keepdims=True）。",
    "broadcast copies must be SUMMED, not averaged (each copy contributed to the loss).":
        "广播出的副本要求和，而不是求平均（每个副本都对损失有贡献）。",
    # 自动求导
    "forgot to un-broadcast: when a batch dim was broadcast (missing or size 1), sum the gradient over it so da and db have the shapes of a and b.":
        "忘了反广播：某个批量维被广播过（缺失或大小为 1）时，要沿它对梯度求和，使 da、db 与 a、b 形状相同。",
    "missing transposes: dA = grad @ B^T and dB = A^T @ grad.":
        "缺少转置：dA = grad @ B^T，dB = A^T @ grad。",
    "operands in the wrong order: dA = grad @ B^T (not B^T @ grad), dB = A^T @ grad.":
        "乘法顺序错了：dA = grad @ B^T（不是 B^T @ grad），dB = A^T @ grad。",
    "pre-order DFS (append a node, then visit its inputs) is not a topological order when a node has two users (a diamond): append after visiting the inputs, then reverse.":
        "前序 DFS（先记录节点，再访问它的输入）在一个节点有两个使用者（菱形图）时不是拓扑序：应在访问完输入之后再记录，最后反转。",
    "only nodes reachable from root belong in the order: start from root and follow inputs, instead of going over the whole graph.":
        "只有从 root 可达的节点才属于这个顺序：从 root 出发沿输入遍历，而不是遍历整张图。",
    # 模型构建
    "unscaled dropout: in training the kept elements must be divided by (1 - p) so the expected output equals the input.":
        "dropout 没有缩放：训练时保留的元素必须除以 (1 - p)，输出的期望才等于输入。",
    "divide the kept elements by (1 - p), do not multiply by it.":
        "保留的元素要除以 (1 - p)，而不是乘以它。",
    "in eval mode (training=False) dropout is the identity: no mask and no scaling.":
        "评估模式（training=False）下 dropout 是恒等映射：没有掩码，也不缩放。",
    "p = 1 drops every element: return zeros instead of dividing by 1 - p = 0 (which gives NaN).":
        "p = 1 时丢弃所有元素：直接返回全零，而不是除以 1 - p = 0（会得到 NaN）。",
    "forgot to accumulate repeated indices: `dweight[indices] += grad` keeps only one contribution per row. Use np.add.at(dweight, indices.reshape(-1), grad_out.reshape(-1, D)).":
        "忘了累加重复的索引：`dweight[indices] += grad` 每行只保留一次贡献。请用 np.add.at(dweight, indices.reshape(-1), grad_out.reshape(-1, D))。",
    # 数据加载与保存
    "with drop_last=False the last, shorter batch is kept (only drop_last=True drops it).":
        "drop_last=False 时保留最后那个较短的批次（只有 drop_last=True 才丢弃它）。",
    "drop_last=True leaves out the last batch when it is shorter than batch_size.":
        "drop_last=True 时，最后一个批次比 batch_size 短就要丢弃。",
    "the batches follow `order` (the sampler's shuffled order), not 0, 1, 2, ...":
        "批次按 `order`（采样器打乱后的顺序）切分，而不是 0, 1, 2, ……",
    "round(n * f) does not always sum to n; use floor, then give the remainder one by one to the first parts.":
        "round(n * f) 的总和不一定等于 n；先向下取整，再把余数逐个分给前面的部分。",
    "the leftover samples go one at a time to the first parts (0, 1, ...), not all to the last one.":
        "剩下的样本逐个分给前面的部分（0, 1, ……），而不是全给最后一个。",
    "after flooring, hand out the remainder so the lengths sum to n.":
        "向下取整之后，要把余数分出去，使长度之和等于 n。",
    # 卷积神经网络
    "the rows must run over (channel, i, j) with the channel slowest, as in w.reshape(O, C*kh*kw); you put the kernel offset before the channel.":
        "行的顺序必须是 (通道, i, j)，通道变化最慢，与 w.reshape(O, C*kh*kw) 一致；你把卷积核内的偏移放在了通道前面。",
    "the columns run over output positions row by row (y slow, z fast); yours go column by column.":
        "列按输出位置逐行排列（y 慢，z 快）；你的是逐列排列。",
    "deep-learning convolution does not flip the kernel (it is cross-correlation): use w[o, c, i, j] with xp[..., p*stride + i, q*stride + j].":
        "深度学习中的卷积不翻转卷积核（它其实是互相关）：用 w[o, c, i, j] 乘 xp[..., p*stride + i, q*stride + j]。",
    "forgot the bias b[o] (added to every output position of channel o).":
        "忘了偏置 b[o]（加到通道 o 的每个输出位置上）。",
    "col2im must ADD (+=) each column entry into its input pixel: overlapping windows share pixels, and assignment (=) keeps only the last contribution.":
        "col2im 必须把每一列的值累加（+=）到对应的输入像素：重叠的窗口共享像素，赋值（=）只会留下最后一次贡献。",
    "col2im must ADD (+=) each window into the input gradient: with `=` overlapping windows overwrite each other.":
        "col2im 必须把每个窗口累加（+=）到输入梯度中：用 `=` 时重叠的窗口会相互覆盖。",
    "dw is the SUM over the batch of g[n] @ cols[n]^T, not the mean.":
        "dw 是 g[n] @ cols[n]^T 在批量上的和，而不是平均。",
    "on a tie only ONE element (the first maximum in the window, row-major) gets the gradient; you gave it to every tied maximum.":
        "出现并列最大值时只有一个元素（窗口内按行优先的第一个最大值）得到梯度；你把梯度给了每个并列的最大值。",
    "overlapping windows (stride < kernel) can pick the same element: add their gradients (np.add.at), do not assign.":
        "重叠的窗口（stride < kernel）可能选中同一个元素：要把梯度累加（np.add.at），不能赋值。",
    # ResNet 与 ViT
    "normalize with the biased variance (divide by m); the unbiased one (m - 1) is only for the running estimate.":
        "归一化用有偏方差（除以 m）；无偏方差（除以 m - 1）只用于滑动估计。",
    "the running variance is updated with the UNBIASED batch variance, var * m / (m - 1).":
        "滑动方差用无偏的批方差 var * m / (m - 1) 来更新。",
    "torch's momentum weighs the new batch statistic: new = (1 - momentum) * running + momentum * batch. You swapped the two weights.":
        "torch 的 momentum 是新批次统计量的权重：new = (1 - momentum) * running + momentum * batch。你把两个权重弄反了。",
    "batch norm's statistics are per channel over the batch AND the spatial dims (axes 0, 2, 3 for images).":
        "批归一化的统计量按通道计算，范围是批量维和空间维（图像为轴 0、2、3）。",
    "the batch mean and variance depend on x too: dx = gamma * invstd / m * (m g - sum(g) - xhat * sum(g xhat)), not just g * gamma * invstd.":
        "批均值和批方差也依赖于 x：dx = gamma * invstd / m * (m g - sum(g) - xhat * sum(g xhat))，而不只是 g * gamma * invstd。",
    "the row mean and variance depend on x too: dx = invstd / D * (D gh - sum(gh) - xhat * sum(gh xhat)), not just grad_out * gamma * invstd.":
        "每行的均值和方差也依赖于 x：dx = invstd / D * (D gh - sum(gh) - xhat * sum(gh xhat))，而不只是 grad_out * gamma * invstd。",
    "gamma and beta are shared by every row: sum their gradients over all leading dims to shape (D,).":
        "gamma 和 beta 被每一行共享：要把它们的梯度在所有前导维上求和，得到形状 (D,)。",
    "flatten each patch channel-first, (c, i, j), to match the Conv2d patch embedding; you flattened (i, j, c).":
        "每个图像块要按通道优先 (c, i, j) 展平，与 Conv2d 的块嵌入一致；你按 (i, j, c) 展平了。",
    "number the patches row by row over the grid (l = r * W/p + s); yours go column by column.":
        "图像块在网格上逐行编号（l = r * W/p + s）；你的是逐列编号。",
    "scale the scores by 1 / sqrt(d) (d = the last dim of q) before the softmax.":
        "在 softmax 之前把分数乘以 1 / sqrt(d)（d 是 q 的最后一维）。",
    "the scale is 1 / sqrt(d), not 1 / d.":
        "缩放系数是 1 / sqrt(d)，不是 1 / d。",
    "mask is True where attending is ALLOWED; you masked out the allowed keys instead.":
        "mask 为 True 的位置表示允许注意；你反而把允许的键屏蔽掉了。",
    "unstable softmax: exp of large scores overflows (inf / inf = NaN). Subtract each row's max before np.exp.":
        "softmax 数值不稳定：大的分数取 exp 会溢出（inf / inf = NaN）。在 np.exp 之前先减去每行的最大值。",
    "apply the mask BEFORE the softmax (-inf scores), so each row's weights still sum to 1; zeroing weights after the softmax does not renormalize them.":
        "在 softmax 之前应用掩码（把分数设为 -inf），这样每行权重之和仍为 1；在 softmax 之后把权重置零不会重新归一化。",
    # 循环神经网络
    "torch orders the gate blocks i, f, g, o (the candidate g third, output gate last); you used i, f, o, g.":
        "torch 的门块顺序是 i, f, g, o（候选值 g 第三，输出门最后）；你用了 i, f, o, g。",
    "h_new = o * tanh(c_new): the tanh is applied to the new cell state.":
        "h_new = o * tanh(c_new)：tanh 作用在新的细胞状态上。",
    "in torch's GRU the reset gate multiplies (W_hn h + b_hn), bias included: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).":
        "torch 的 GRU 中重置门乘的是 (W_hn h + b_hn)，包括偏置：n = tanh(W_in x + b_in + r * (W_hn h + b_hn))。",
    "h_new = (1 - z) * n + z * h: z is the share of the OLD state; you swapped them.":
        "h_new = (1 - z) * n + z * h：z 是旧状态所占的比例；你把两者弄反了。",
    "torch orders the gate blocks r, z, n (reset first); you used z, r, n.":
        "torch 的门块顺序是 r, z, n（重置门在前）；你用了 z, r, n。",
    # 训练技巧
    "Nesterov momentum steps along d + momentum * new_buf (the look-ahead), not along the buffer alone: that is classic momentum.":
        "Nesterov 动量沿 d + momentum * new_buf（前瞻方向）更新，而不是只沿缓冲区更新：那是经典动量。",
    "without nesterov the step is the buffer itself (classic momentum); you used the Nesterov look-ahead.":
        "不用 nesterov 时，更新方向就是缓冲区本身（经典动量）；你用了 Nesterov 的前瞻。",
    "on the first step the buffer is d itself; torch applies no dampening on that step.":
        "第一步时缓冲区就是 d 本身；torch 在这一步不做 dampening。",
    "weight decay is added to the gradient BEFORE the momentum buffer (d = grad + weight_decay * param).":
        "权重衰减要在动量缓冲区之前加到梯度上（d = grad + weight_decay * param）。",
    "Adam without bias correction: divide m by (1 - beta1^t) and v by (1 - beta2^t); early steps are far too small without it.":
        "Adam 缺少偏差修正：m 要除以 (1 - beta1^t)，v 要除以 (1 - beta2^t)；没有它，前几步的步长会小得多。",
    "eps goes OUTSIDE the square root: sqrt(v_hat) + eps.":
        "eps 放在平方根外面：sqrt(v_hat) + eps。",
    "torch's Adam adds weight_decay * p to the gradient (L2); shrinking the parameter directly is AdamW's decoupled decay.":
        "torch 的 Adam 把 weight_decay * p 加到梯度上（L2）；直接缩小参数是 AdamW 的解耦衰减。",
    "AdamW decouples the weight decay: p = p * (1 - lr * weight_decay), and the gradient stays as it is. Adding weight_decay * p to the gradient is Adam's L2.":
        "AdamW 解耦了权重衰减：p = p * (1 - lr * weight_decay)，梯度保持不变。把 weight_decay * p 加到梯度上是 Adam 的 L2。",
    "the warmup starts at start_factor * base_lr, not at 0.":
        "预热从 start_factor * base_lr 开始，而不是从 0 开始。",
    "the cosine phase starts when the warmup ends: use t = step - warmup_steps over T = total_steps - warmup_steps.":
        "余弦阶段从预热结束时开始：用 t = step - warmup_steps，总长 T = total_steps - warmup_steps。",
    "clip by the TOTAL norm of all gradients together (one coefficient for all), not each tensor by its own norm.":
        "按所有梯度合在一起的总范数裁剪（所有张量共用一个系数），而不是每个张量按自己的范数裁剪。",
    "only scale DOWN: when the total norm is already below max_norm, leave the gradients unchanged (coef = min(1, max_norm / (total + 1e-6))).":
        "只缩小不放大：总范数已小于 max_norm 时梯度保持不变（coef = min(1, max_norm / (total + 1e-6))）。",
    "norm_type selects the norm: p = inf is the largest |entry|, p = 1 the sum of |entries|; you always used the 2-norm.":
        "norm_type 决定用哪种范数：p = inf 是最大的 |元素|，p = 1 是 |元素| 之和；你总是用了 2 范数。",
    "a NaN gradient is as bad as an inf: test with np.isfinite, not np.isinf.":
        "NaN 梯度和 inf 一样糟：用 np.isfinite 检查，而不是 np.isinf。",
    "after an overflow the count of good steps starts again at 0.":
        "发生溢出之后，正常步数的计数从 0 重新开始。",
    "the scale grows only after growth_interval good steps in a row, not on every good step.":
        "只有连续 growth_interval 个正常步之后缩放因子才增大，而不是每个正常步都增大。",
    "after growing the scale, the good-step count restarts at 0.":
        "增大缩放因子之后，正常步数的计数从 0 重新开始。",
    "unscaling DIVIDES the gradients by the scale (the loss was multiplied by it).":
        "反缩放是把梯度除以缩放因子（损失曾乘以它）。",
    # 模型调试与可视化
    "apply a ReLU to the weighted sum: Grad-CAM keeps only the regions with positive evidence for the class.":
        "对加权和应用 ReLU：Grad-CAM 只保留对该类别有正面证据的区域。",
    "alpha is the MEAN of the gradients over the h x w positions, not their sum.":
        "alpha 是梯度在 h x w 个位置上的平均，而不是总和。",
    "return the map before any normalization (upsampling and scaling to [0, 1] come later, for display).":
        "返回未经任何归一化的热力图（上采样和缩放到 [0, 1] 是之后为了显示才做的）。",
    # MNIST 项目
    "the loss is the MEAN over the batch, so dz = (p - onehot) / N; your gradients are N times too large.":
        "损失是对批量取平均，所以 dz = (p - onehot) / N；你的梯度大了 N 倍。",
    "backpropagate through the ReLU: multiply dh by [a > 0] (the gradient is 0 where the unit was off).":
        "反向传播要经过 ReLU：把 dh 乘以 [a > 0]（单元未激活处梯度为 0）。",
    "the bias gradient is the SUM of dz over the batch; dividing by N again counts the mean twice.":
        "偏置的梯度是 dz 在批量上的和；再除以 N 就把平均算了两次。",
    "SGD steps AGAINST the gradient: w <- w - lr * dw (you climbed the loss).":
        "SGD 沿梯度的反方向更新：w <- w - lr * dw（你让损失变大了）。",
    "return the loss of the forward pass BEFORE the update (what loss.item() shows in a training loop), not after it.":
        "返回更新之前那次前向传播的损失（训练循环里 loss.item() 显示的值），而不是更新之后的。",
    "rows are the TRUE classes and columns the predicted ones: confusion[label, pred].":
        "行是真实类别，列是预测类别：confusion[label, pred]。",
    "accuracy is a fraction of the batch (divide the number correct by N).":
        "准确率是批量中的比例（正确的个数除以 N）。",
    "on a tie, argmax picks the FIRST maximum (np.argmax and torch.argmax agree).":
        "出现并列时，argmax 取第一个最大值（np.argmax 与 torch.argmax 一致）。",
    "the matrix is num_classes x num_classes even when a class never appears (np.bincount(..., minlength=C * C)).":
        "即使某个类别从未出现，矩阵也是 num_classes x num_classes（np.bincount(..., minlength=C * C)）。",
    # CIFAR-10 项目
    "crop first, then flip: mirroring the padded image before cropping moves the window to the other side.":
        "先裁剪，再翻转：在裁剪之前翻转填充后的图像，会把裁剪窗口移到另一侧。",
    "a horizontal flip mirrors the WIDTH (the last axis, x[..., ::-1]), not the height.":
        "水平翻转镜像的是宽度（最后一个轴，x[..., ::-1]），不是高度。",
    "offsets[n] is (top, left): the first number moves the window down, the second right.":
        "offsets[n] 是 (top, left)：第一个数让窗口向下移，第二个数让窗口向右移。",
    "pad with zeros (RandomCrop's default fill=0), not by reflecting the border.":
        "用零填充（RandomCrop 默认 fill=0），而不是镜像边界。",
    # 文本情感分析项目
    "the vocabulary starts with the two specials: \"<pad>\" at index 0 and \"<unk>\" at 1.":
        "词表以两个特殊词开头：\"<pad>\" 的下标是 0，\"<unk>\" 是 1。",
    "\"<pad>\" is index 0 (what the batches are padded with) and \"<unk>\" index 1, not the other way round.":
        "\"<pad>\" 的下标是 0（批次就用它填充），\"<unk>\" 是 1，不要弄反。",
    "a token seen exactly min_count times is kept: count >= min_count.":
        "恰好出现 min_count 次的词也要保留：count >= min_count。",
    "equal counts are ordered alphabetically; Counter.most_common keeps them in the order first seen.":
        "词频相同时按字母顺序排列；Counter.most_common 会保持它们首次出现的顺序。",
    "the most frequent tokens come first; sort by (-count, token), not by the token alone.":
        "词频最高的词排在前面；按 (-count, token) 排序，而不是只按词本身。",
    "an unknown token maps to \"<unk>\" (1); 0 is \"<pad>\", which the model ignores.":
        "未登录词映射到 \"<unk>\"（1）；0 是 \"<pad>\"，模型会忽略它。",
    "the longest sequence comes first (descending lengths), as pack_padded_sequence needs.":
        "最长的序列排在最前面（长度降序），这是 pack_padded_sequence 的要求。",
    "equal lengths must keep their original order: np.argsort(lengths)[::-1] reverses them; use a stable sort of -lengths.":
        "长度相同的序列必须保持原来的顺序：np.argsort(lengths)[::-1] 会把它们颠倒；请对 -lengths 做稳定排序。",
    "pad on the RIGHT: the tokens start at t = 0 and the padding follows them.":
        "在右侧填充：词从 t = 0 开始，填充跟在后面。",
    "fill with pad_value, not always 0.":
        "用 pad_value 填充，而不是总用 0。",
    "the lengths must follow the sorted rows (lengths[r] is the length of padded[r]).":
        "lengths 必须跟排序后的行对应（lengths[r] 是 padded[r] 的长度）。",
    "out[:, -1] is the last PADDED step: for a shorter sequence it is padding, and the backward direction ends at t = 0. Use h_n[-2] and h_n[-1].":
        "out[:, -1] 是填充后的最后一步：对较短的序列它是填充，而且反向方向在 t = 0 处结束。请用 h_n[-2] 和 h_n[-1]。",
    "the backward direction's final state is at t = 0, not at t = len - 1 (it reads the sequence from the end).":
        "反向方向的最终状态在 t = 0，而不是 t = len - 1（它从序列末尾往前读）。",
    "h_n holds every layer: the last layer's states are h_n[-2] (forward) and h_n[-1] (backward); h_n[0], h_n[1] are the first layer's.":
        "h_n 包含每一层：最后一层的状态是 h_n[-2]（正向）和 h_n[-1]（反向）；h_n[0]、h_n[1] 是第一层的。",
    "forward first, then backward: concat(h_n[-2], h_n[-1]), the same order as out's features.":
        "先正向，后反向：concat(h_n[-2], h_n[-1])，与 out 的特征顺序相同。",
    "average over the real steps only: divide by each sequence's length, not by T.":
        "只对真实的时间步取平均：除以每个序列自己的长度，而不是 T。",
    "the padding zeros must not take part in the max: put -inf there first.":
        "填充的零不能参与求最大值：先在那里放上 -inf。",
}

DESCRIPTIONS: dict[str, str] = {
    "sigmoid_backward": """\
Sigmoid 的反向传播：已知输入 x 和 grad = dL/dy（其中 y = sigmoid(x)），返回 dL/dx。

形状：x 与 grad 形状相同（任意形状）；返回同样形状的数组。
数学：y = 1 / (1 + e^(-x)),  dy/dx = y (1 - y),  所以  dL/dx = grad * y * (1 - y)。
提示：导数是用*输出* y 写的，所以先算出 y。|x| 很大时 np.exp(-x) 会溢出为 inf（并给出警告）；
    1 / (1 + inf) = 0 仍然正确，但稳定的写法是 e = np.exp(-np.abs(x));
    x >= 0 时 y = 1/(1+e)，否则 y = e/(1+e)。
PyTorch：y = torch.sigmoid(x); y.backward(grad); x.grad
""",
    "tanh_backward": """\
Tanh 的反向传播：已知输入 x 和 grad = dL/dy（其中 y = tanh(x)），返回 dL/dx。

形状：x 与 grad 形状相同（任意形状）；返回同样形状的数组。
数学：dy/dx = 1 - tanh(x)^2 = 1 - y^2,  所以  dL/dx = grad * (1 - y^2)。
提示：np.tanh 对很大的 |x| 本身就是稳定的（饱和于 +-1）。
PyTorch：y = torch.tanh(x); y.backward(grad); x.grad
""",
    "gelu_backward": """\
精确 GELU 的反向传播：已知 x 和 grad = dL/dy（其中 y = gelu(x)），返回 dL/dx。

形状：x 与 grad 形状相同（任意形状）；返回同样形状的数组。
数学：y = x * Phi(x)，Phi(x) = (1 + erf(x / sqrt(2))) / 2 是标准正态分布的累积分布函数，
    phi(x) = exp(-x^2 / 2) / sqrt(2 pi) 是它的密度。由乘积法则
    dy/dx = Phi(x) + x * phi(x),  所以  dL/dx = grad * (Phi(x) + x phi(x))。
提示：NumPy 没有向量化的 erf：用 np.vectorize(math.erf)(a)（或 scipy.special.erf）。
    这里是精确的 GELU，不是 tanh 近似。
PyTorch：y = torch.nn.functional.gelu(x); y.backward(grad); x.grad   (approximate="none")
""",
    "softmax_cross_entropy_backward": """\
平均交叉熵损失对 logits 的梯度。

形状：logits (N, C) 浮点数；labels (N,) 取值在 [0, C) 的整数。返回 dL/dlogits，形状 (N, C)。
数学：p = softmax(logits)（逐行），p_ij = exp(z_ij) / sum_k exp(z_ik);
    L = -(1/N) sum_i log p_{i, labels_i};   dL/dz_ij = (p_ij - [j == labels_i]) / N。
提示：在 exp 之前减去每行的最大值（softmax 不变，exp 不会溢出）。
    损失是对批量取*平均*。
PyTorch：loss = torch.nn.functional.cross_entropy(logits, labels); loss.backward(); logits.grad
""",
    "unbroadcast": """\
把梯度求和回前向传播中被广播的那个输入的形状。

形状：grad 是广播后（输出）的形状；`shape` 是输入的形状，它可以广播到 grad.shape。
    返回形状恰好为 `shape` 的数组。
数学：广播从右侧对齐形状，并沿 (a) 输入缺少的前导轴、(b) 输入中大小为 1 的轴复制输入。
    每个副本都传回了梯度，所以输入的梯度是 grad 在这些轴上的和：
    dL/dx = grad 先在轴 0..(grad.ndim - len(shape) - 1) 上求和，再在每个满足
    shape[i] == 1 的轴 i 上求和（保留该轴，大小为 1）。
提示：对大小为 1 的轴用 grad.sum(axis=..., keepdims=True)；最后 reshape 成 `shape`。
    例：grad (2, 3, 4) 到形状 (3, 1)：对轴 0 求和，再对轴 2 求和并保留 -> (3, 1)。
PyTorch：x = torch.zeros(shape, requires_grad=True); x.expand(grad.shape).backward(grad); x.grad
""",
    "matmul_backward": """\
C = A @ B 对 A 和 B 的梯度，已知 grad = dL/dC。

形状：a (..., n, k)，b (..., k, m)，二维或更高；前导（批量）维按 np.matmul 的规则广播。
    grad 的形状与 C 相同 (..., n, m)。返回 (da, db)，da.shape == a.shape，
    db.shape == b.shape。
数学：dA = grad @ B^T,  dB = A^T @ grad（^T 交换最后两个轴）。如果 A 或 B 的某个批量维被广播过
    （缺失或大小为 1），要沿它对梯度求和（反广播）。
提示：np.swapaxes(x, -1, -2) 转置一批矩阵的最后两个轴。复用你的 unbroadcast。
PyTorch：c = a @ b; c.backward(grad); (a.grad, b.grad)
""",
    "topological_order": """\
backward() 访问计算图节点的顺序：每个节点都排在它的输入之前。

输入：graph 把每个节点名映射到计算它所用的节点名（它的输入；叶子节点为 []）。
    一个节点可能被多个节点使用，也可能把同一个输入列两次（x * x）。root 是输出（损失）。
返回：一个列表，包含从 root 可达的每个节点，每个恰好一次，root 在最前，每个节点排在它所有
    输入之前。从 root 不可达的节点不包含在内。（可能有多种正确顺序，任何一种都能通过。）
数学：对每条边（节点使用输入），position(node) < position(input)：即反向图的拓扑排序。
    原因：只有当所有使用某节点的节点都传回了自己那一份梯度，该节点的梯度才完整，
    所以 backward 要在一个节点的所有使用者之后才处理它。
提示：深度优先搜索，在访问完输入之后才追加节点（后序），最后反转列表；或者用 Kahn 算法，
    为每个节点计数尚未处理的使用者。注意普通的前序 DFS（访问之前追加）在菱形图上是错的。
PyTorch：loss.backward() 背后的引擎就是这样排列 grad_fn 节点的（沿
    loss.grad_fn.next_functions 可以看到这张图；有一个测试用例就是这样的图）。
""",
    "dropout": """\
反向（inverted）dropout，随机掩码已给出。

输入：x（任意形状）；p 属于 [0, 1]，是丢弃一个元素的概率；keep，与 x 同形状的布尔数组，
    True 表示保留该元素（由评分器用 torch 抽取，所以你的答案可以精确比较）；
    training，评估模式下为 False。
返回：与 x 同形状的数组。
数学：训练时：y = x * keep / (1 - p)（保留的元素被放大，使 E[y] = x）；p = 1 时全部丢弃
    （y = 0）。评估模式：y = x（没有掩码，也不缩放）。
提示：缩放在训练时做，这样推理时什么都不用做。注意 p = 1。
PyTorch：torch.nn.functional.dropout(x, p, training)（nn.Dropout；model.eval() 会关闭它）
""",
    "embedding_backward": """\
y = weight[indices] 对嵌入表的梯度。

输入：indices，任意形状的整数数组（取值在 [0, num_embeddings)）；grad_out = dL/dy，
    形状为 indices.shape + (D,)。返回形状为 (num_embeddings, D) 的 dL/dweight。
数学：dweight[i] = 所有满足 indices[pos] == i 的位置 pos 上 grad_out[pos] 之和；
    从未被查找的行为 0。出现 k 次的索引得到 k 份贡献。
提示：dweight[indices] += grad_out 不会累加重复的索引（NumPy 对每个被选中的行只写一次，
    最后一次写入生效）。请用 np.add.at(dweight, indices.reshape(-1), ...)。
PyTorch：y = torch.nn.functional.embedding(indices, weight); y.backward(grad_out); weight.grad
""",
    "batch_indices": """\
DataLoader 在一个 epoch 中产生的样本索引批次。

输入：order，采样器给出的样本索引顺序（shuffle=True 时是一个排列），形状 (N,)；
    batch_size >= 1；drop_last。
返回：由一维整数数组组成的列表：`order` 中长度为 batch_size 的连续片段；N 不是 batch_size
    的倍数时最后一段较短，drop_last 为 True 时丢弃它。
数学：第 k 个批次 = order[k*B : (k+1)*B]；共 ceil(N / B) 个批次，drop_last 时为 floor(N / B) 个。
提示：对 i = 0, B, 2B, …… 切片 order[i : i + batch_size]；保持批次的顺序。
PyTorch：list(torch.utils.data.BatchSampler(order.tolist(), batch_size, drop_last))
""",
    "split_lengths": """\
把 n 个样本的数据集按比例划分时，每一部分分到多少个样本。

输入：n >= 0；fractions，和为 1 的非负浮点数。返回 int 列表，每个比例一个，总和恰好为 n。
数学：（torch 的规则）counts[i] = floor(n * fractions[i])；剩下的 r = n - sum(counts) 个样本
    逐个依次分给第 0, 1, 2, …… 部分（轮流分配）。
提示：round() 可能使总数变成 n + 1 或 n - 1；向下取整再轮流分配余数总能得到 n。
PyTorch：[len(part) for part in torch.utils.data.random_split(range(n), fractions)]
""",
    "im2col": """\
把补零后的一批图像中每个 kh x kw 窗口展开成一列。

形状：x (N, C, H, W)。令 OH = (H + 2 padding - kh) // stride + 1，OW 同理，返回形状为
    (N, C*kh*kw, OH*OW) 的 cols。
数学：cols[n, (c*kh + i)*kw + j, y*OW + z] = xp[n, c, y*stride + i, z*stride + j]，其中 xp 是在
    H 和 W 的每一侧补上 `padding` 个零后的 x。行按 (c, i, j) 排列，j 变化最快；列按输出位置
    (y, z) 逐行排列。
提示：先 np.pad，然后要么遍历 kh*kw 个卷积核偏移（每个都是一个带步长的切片
    xp[:, :, i : i + stride*OH : stride, j : j + stride*OW : stride]），要么构造 strided 视图。
    用这种布局，conv2d 就是一次矩阵乘法：w.reshape(O, -1) @ cols。
PyTorch：torch.nn.functional.unfold(x, (kh, kw), stride=stride, padding=padding)
""",
    "conv2d_forward": """\
二维卷积层的输出（深度学习中所说的卷积：互相关）。

形状：x (N, C, H, W)，w (O, C, kh, kw)，b (O,)。返回 (N, O, OH, OW)，其中
    OH = (H + 2 padding - kh) // stride + 1，OW 同理。
数学：y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] * xp[n, c, p*stride + i, q*stride + j]，
    xp 是每一侧补 `padding` 个零后的 x。卷积核*不*翻转。
提示：cols = im2col(x, kh, kw, stride, padding)  (N, C*kh*kw, OH*OW);
    y = w.reshape(O, -1) @ cols  (N, O, OH*OW)；加上 b[:, None]；reshape 成 (N, O, OH, OW)。
PyTorch：torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
""",
    "conv2d_backward": """\
y = conv2d(x, w, stride, padding)（无偏置）对 x 和 w 的梯度。

形状：x (N, C, H, W)，w (O, C, kh, kw)，grad_out = dL/dy (N, O, OH, OW)。
    返回 (dx, dw)，dx.shape == x.shape，dw.shape == w.shape。
数学：令 cols = im2col(x) (N, C*kh*kw, L)，g = grad_out.reshape(N, O, L)：
    dw = sum_n g[n] @ cols[n]^T，再 reshape 成 (O, C, kh, kw)（在批量上求和）；
    dcols = w.reshape(O, -1)^T @ g[n]  (N, C*kh*kw, L)，然后 col2im：dcols 的每个元素都要
    累加回它当初读取的那个输入像素（stride < kernel 时窗口重叠，一个像素会收到多份贡献）；
    最后去掉补零部分。
提示：col2im 是 im2col 的伴随：遍历卷积核偏移 (i, j)，执行
    dxp[:, :, i : i + stride*OH : stride, j : j + stride*OW : stride] += dcols[:, :, i, j]。
    没有任何窗口读取的像素（stride > kernel，或不整齐的边缘）得到 0。
PyTorch：y = F.conv2d(x, w, stride=stride, padding=padding); y.backward(grad_out); (x.grad, w.grad)
""",
    "maxpool2d_backward": """\
y = max_pool2d(x, kernel_size, stride)（无填充）对 x 的梯度。

形状：x (N, C, H, W)；grad_out (N, C, OH, OW)，OH = (H - k) // stride + 1，OW 同理。
    返回与 x 同形状的 dx。
数学：y[n, c, p, q] 是窗口 x[n, c, p*s : p*s + k, q*s : q*s + k] 的最大值。它的全部梯度
    grad_out[n, c, p, q] 只给*一个*元素：窗口的最大值。出现并列时，给窗口内按行优先顺序的
    第一个最大值（np.argmax 的选择）。stride < k 时窗口重叠：一个元素可能是多个窗口的最大值，
    它的梯度要相加。从未成为窗口最大值的元素得到 0。
提示：对每个窗口，flat = 它的 k*k 个值上的 argmax；row = p*s + flat // k，
    col = q*s + flat % k；np.add.at(dx, (n, c, row, col), grad_out) 会累加重复的目标。
PyTorch：y = torch.nn.functional.max_pool2d(x, kernel_size, stride); y.backward(grad_out); x.grad
""",
    "batchnorm_forward_train": """\
训练模式下的批归一化，以及它的滑动统计量的更新。

形状：x (N, C) 或 (N, C, H, W)；gamma、beta、running_mean、running_var 为 (C,)。
    返回 (y, new_running_mean, new_running_var)：y 与 x 同形状，其余为 (C,)。
数学：对每个通道 c，在批量（以及 H、W）上计算，每个通道有 m 个值：
    mu = mean(x_c),  var = mean((x_c - mu)^2)            （有偏：除以 m）
    y = gamma_c * (x - mu) / sqrt(var + eps) + beta_c
    new_running_mean = (1 - momentum) * running_mean + momentum * mu
    new_running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)  （无偏）
提示：四维输入时 axes = (0, 2, 3)，二维时为 (0,)；用 keepdims=True 以便广播回去。不要修改
    传入的 running 数组；返回新的数组。注意 torch 的 momentum 是*新*值的权重
    （与优化器中的动量正好相反）。
PyTorch：torch.nn.functional.batch_norm(x, running_mean, running_var, gamma, beta,
    training=True, momentum=momentum, eps=eps)（会原地更新 running_*；nn.BatchNorm2d）
""",
    "batchnorm_backward": """\
训练模式批归一化 y = gamma * xhat + beta 对 x、gamma、beta 的梯度。

形状：x 与 grad_out 为 (N, C) 或 (N, C, H, W)；gamma (C,)。返回 (dx, dgamma, dbeta)，
    dx 与 x 同形状，dgamma、dbeta 形状为 (C,)。
数学：对每个通道，在它的 m 个值（批量与空间）上：x 的 mu、var（有偏），
    invstd = 1 / sqrt(var + eps)，xhat = (x - mu) * invstd，g = grad_out。
    dbeta = sum(g),  dgamma = sum(g * xhat),
    dx = gamma * invstd / m * (m * g - sum(g) - xhat * sum(g * xhat))。
    mu 和 var 依赖于该通道的每一个 x，这带来了那两个被减去的项。
提示：经过 xhat 在纸上推导一遍；在轴 (0, 2, 3) 上用 keepdims=True 求和。
PyTorch：y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps);
    y.backward(grad_out); (x.grad, gamma.grad, beta.grad)
""",
    "layer_norm_backward": """\
在最后一维上做层归一化 y = gamma * xhat + beta，对 x、gamma 和 beta 的梯度。

形状：x 与 grad_out 为 (..., D)（任意前导维）；gamma (D,)。返回 (dx, dgamma, dbeta)：
    dx 与 x 同形状；dgamma、dbeta 形状为 (D,)。
数学：对每一行（最后一个轴，D 个值）：mu、var（有偏），invstd = 1/sqrt(var + eps)，
    xhat = (x - mu) * invstd，gh = grad_out * gamma。
    dx = invstd / D * (D * gh - sum(gh) - xhat * sum(gh * xhat))     （在最后一个轴上求和）
    dgamma = grad_out * xhat 在所有前导位置上的和；dbeta = grad_out 的和。
提示：与批归一化的推导相同，只是沿另一个轴；这里 gamma 在求和之内。
PyTorch：y = F.layer_norm(x, (D,), gamma, beta, eps); y.backward(grad_out);
    (x.grad, gamma.grad, beta.grad)（nn.LayerNorm，如 ViT / Transformer 块中）
""",
    "patchify": """\
把图像切成不重叠的 p x p 图像块并把每块展平（ViT 的第一步）。

形状：images (N, C, H, W)，H 和 W 是 p 的倍数。返回 (N, L, C*p*p)，
    L = (H/p) * (W/p)。
数学：第 l = r * (W/p) + s 个图像块（在网格上按行优先）是
    images[n, :, r*p : (r+1)*p, s*p : (s+1)*p]，按 (c, i, j) 顺序展平（通道变化最慢），
    使得 patches @ W.reshape(D, -1).T 等于展平后的 Conv2d(C, D, p, stride=p)。
提示：一次 reshape 成 (N, C, H/p, p, W/p, p)，一次 transpose，再一次 reshape。
PyTorch：torch.nn.functional.unfold(images, p, stride=p).transpose(1, 2)
    （ViT 的块嵌入就是 nn.Conv2d(C, D, kernel_size=p, stride=p)）
""",
    "scaled_dot_product_attention": """\
softmax(Q K^T / sqrt(d) + mask) V，每个 Transformer / ViT 块的核心。

形状：q (..., L, d)，k (..., S, d)，v (..., S, dv)，可有任意前导（批量、注意力头）维；mask 为
    布尔数组，可广播到 (..., L, S)，True 表示查询 i *可以*注意键 j（每个查询至少有一个
    True）。返回 (..., L, dv)。
数学：scores = q @ k^T / sqrt(d)；mask 为 False 处 scores = -inf；
    weights = softmax(scores)（沿最后一个轴，即对各个键）；out = weights @ v。
提示：np.swapaxes(k, -1, -2)；np.where(mask, scores, -np.inf)；softmax 时先减去每行最大值
    再 np.exp（否则大的分数会溢出）。
PyTorch：torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
""",
    "lstm_cell": """\
LSTM 的一个时间步：新的隐藏状态和细胞状态。

形状：x (B, I)；h、c (B, H)；w_ih (4H, I)；w_hh (4H, H)；b_ih、b_hh (4H,)。
    返回 (h_new, c_new)，均为 (B, H)。
数学：z = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh，形状 (B, 4H)，按 torch 的顺序 i, f, g, o
    （输入门、遗忘门、候选细胞值、输出门）切成四个 (B, H) 的块：
    i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_g), o = sigmoid(z_o)
    c_new = f * c + i * g;   h_new = o * tanh(c_new)
提示：np.split(z, 4, axis=1)。块的顺序很重要：torch 按 i, f, g, o 堆叠权重。
PyTorch：torch.nn.LSTMCell(I, H)，把 weight_ih、weight_hh、bias_ih、bias_hh 设为这些值；
    (h_new, c_new) = cell(x, (h, c))
""",
    "gru_cell": """\
GRU 的一个时间步：新的隐藏状态。

形状：x (B, I)；h (B, H)；w_ih (3H, I)；w_hh (3H, H)；b_ih、b_hh (3H,)。返回 h_new (B, H)。
数学：把 a = x @ w_ih.T + b_ih 和 b = h @ w_hh.T + b_hh 各自按 torch 的顺序 r, z, n
    （重置门、更新门、新值）切成三个 (B, H) 的块：
    r = sigmoid(a_r + b_r),  z = sigmoid(a_z + b_z)
    n = tanh(a_n + r * b_n)          （r 乘的是循环部分，包括它的偏置 b_hn）
    h_new = (1 - z) * n + z * h      （z 接近 1 时保留旧状态）
提示：np.split(..., 3, axis=1)。在乘 r 之前，把循环乘积和它的偏置放在一起。
PyTorch：torch.nn.GRUCell(I, H)，把 weight_ih、weight_hh、bias_ih、bias_hh 设为这些值；
    h_new = cell(x, h)
""",
    "sgd_momentum_step": """\
torch 带动量（momentum > 0）的 SGD 的一步：新的参数和动量缓冲区。

输入：param、grad（同形状）；buf，上一步的动量缓冲区，第一步时为 None；各超参数。
    返回 (new_param, new_buf)，形状都与 param 相同。
数学：（torch 的写法；lr 在最后相乘，不在缓冲区里）
    d = grad + weight_decay * param
    new_buf = d                                         第一步（buf 为 None：第一步不做
                                                        dampening）
    new_buf = momentum * buf + (1 - dampening) * d      之后各步
    step = d + momentum * new_buf  若 nesterov，否则  new_buf
    new_param = param - lr * step
提示：Nesterov 会“向前看”：它沿梯度*加上* momentum 乘以新缓冲区的方向更新。
PyTorch：torch.optim.SGD([p], lr, momentum, dampening, weight_decay, nesterov).step()
    （缓冲区是 optimizer.state[p]["momentum_buffer"]）
""",
    "adam_step": """\
Adam 的一步：新的参数以及新的一阶矩和二阶矩。

输入：param、grad、m（exp_avg）、v（exp_avg_sq），形状都相同；step = t，本步的序号
    （第一步为 1，此时 m 和 v 为零）；lr、beta1、beta2、eps、weight_decay。
    返回 (new_param, new_m, new_v)，形状都与 param 相同。
数学：
    g = grad + weight_decay * p          （Adam 的权重衰减：梯度中的 L2 项）
    m_t = beta1 m + (1 - beta1) g;   v_t = beta2 v + (1 - beta2) g^2
    m_hat = m_t / (1 - beta1^t);   v_hat = v_t / (1 - beta2^t)      （偏差修正）
    new_param = p - lr * m_hat / (sqrt(v_hat) + eps)                （eps 在平方根外面）
提示：t 从 1 开始，所以 1 - beta^t 永远不为 0。矩估计用的是加上衰减后的梯度 g。
PyTorch：torch.optim.Adam([p], lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    .step()（m、v 是 optimizer.state[p]["exp_avg"]、["exp_avg_sq"]）
""",
    "adamw_step": """\
AdamW 的一步：新的参数以及新的一阶矩和二阶矩。

输入：param、grad、m（exp_avg）、v（exp_avg_sq），形状都相同；step = t，本步的序号
    （第一步为 1，此时 m 和 v 为零）；lr、beta1、beta2、eps、weight_decay。
    返回 (new_param, new_m, new_v)，形状都与 param 相同。
数学：
    p = p * (1 - lr * weight_decay);  g = grad   （解耦：衰减从不进入 m、v）
    m_t = beta1 m + (1 - beta1) g;   v_t = beta2 v + (1 - beta2) g^2
    m_hat = m_t / (1 - beta1^t);   v_hat = v_t / (1 - beta2^t)      （偏差修正）
    new_param = p - lr * m_hat / (sqrt(v_hat) + eps)                （eps 在平方根外面）
提示：衰减直接缩小参数（乘上 lr 的比例），在 Adam 更新之前进行。
PyTorch：torch.optim.AdamW([p], lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay)
    .step()（m、v 是 optimizer.state[p]["exp_avg"]、["exp_avg_sq"]）
""",
    "cosine_with_warmup": """\
线性预热之后接余弦退火时，某一步的学习率。

输入：step 属于 [0, total_steps]；1 <= warmup_steps < total_steps。返回一个浮点数。
数学：预热阶段（step < warmup_steps）：系数从 start_factor 线性增长到 1：
        lr = base_lr * (start_factor + (1 - start_factor) * step / warmup_steps)
    之后，令 t = step - warmup_steps，T = total_steps - warmup_steps：
        lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * t / T)) / 2
    所以 step = warmup_steps 时 lr 恰好等于 base_lr，step = total_steps 时 lr = min_lr。
提示：余弦阶段从预热结束时开始，持续 T 步，而不是 total_steps 步。
PyTorch：SequentialLR(opt, [LinearLR(opt, start_factor, total_iters=warmup_steps),
    CosineAnnealingLR(opt, T_max=total_steps - warmup_steps, eta_min=min_lr)],
    milestones=[warmup_steps])；调用 `step` 次 scheduler.step() 之后的 lr
""",
    "clip_grad_norm": """\
把所有梯度一起缩放，使它们的总范数不超过 max_norm。

输入：grads，所有参数的梯度（任意形状）；max_norm > 0；范数类型 norm_type p
    （2.0、1.0 或 math.inf）。返回 (clipped_grads, total_norm)：形状不变的数组列表，
    以及裁剪*之前*的总范数（浮点数）。
数学：total = || (||g_1||_p, ||g_2||_p, ...) ||_p，即把所有梯度看成一个长向量时的 p 范数
    （p = inf：所有元素中最大的 |元素|）。coef = max_norm / (total + 1e-6)；
    若 coef < 1，每个 g_i 变为 g_i * coef；否则保持不变。
提示：*所有*梯度共用一个系数，这样更新的方向不变。
PyTorch：total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type)
""",
    "grad_scaler_step": """\
动态损失缩放：反缩放梯度，决定优化器是否可以更新，并调整缩放因子。

输入：grads，每个参数关于缩放后损失（loss * scale）的梯度；缩放因子 S；growth_tracker，
    到目前为止连续正常步的个数；growth_factor（> 1）、backoff_factor（< 1）、growth_interval。
返回 (unscaled_grads, stepped, new_scale, new_growth_tracker)。
数学：反缩放后 g_i = g_i / S（对每个梯度都做，坏的一步也一样）。
    若任一梯度含 inf 或 NaN：stepped = False，new_scale = S * backoff_factor，
    new_growth_tracker = 0。
    否则：stepped = True，growth_tracker + 1；若它达到 growth_interval，new_scale =
    S * growth_factor，计数从 0 重新开始；否则缩放因子不变。
提示：“inf 或 NaN” 就是 `not np.isfinite(g).all()`；np.isinf 会漏掉 NaN。
PyTorch：scaler = torch.amp.GradScaler(init_scale=S, growth_factor, backoff_factor,
    growth_interval); scaler.step(optimizer); scaler.update()（scaler.get_scale(),
    scaler.state_dict()["_growth_tracker"]）
""",
    "gradcam_weights": """\
Grad-CAM 的加权：一层的每个通道对某个类别的支持有多大，以及支持在哪里。

输入：activations A (N, C, h, w)，某个卷积层的输出；gradients (N, C, h, w)，类别分数 y_c
    （logit）对 A 的梯度。
返回 (alpha, cam)：alpha (N, C)，cam (N, h, w)，分辨率与该层相同（不上采样，不归一化）。
数学：alpha[n, k] = gradients[n, k, i, j] 在 (i, j) 上的平均   （全局平均池化）
    cam[n] = relu(sum_k alpha[n, k] * A[n, k])   （relu 只保留支持该类别的证据）
提示：gradients.mean(axis=(2, 3))；把 alpha[:, :, None, None] 与 A 广播相乘。
PyTorch：用前向钩子收集 A，用 A.register_hook（或 retain_grad）在
    scores[:, c].sum().backward() 之后收集 dA；然后 alpha = dA.mean((2, 3))，
    cam = torch.relu((alpha[:, :, None, None] * A).sum(1))（projects/diagnostics/gradcam.py）
""",
    "mlp_train_step": """\
MNIST 多层感知机（MLP）的一步 SGD 训练，全部手写：前向、损失、反向、更新。

输入：x (N, D)，一批展平的图像；labels (N,)，取值在 [0, C) 的整数；
    Linear(D, H) -> ReLU -> Linear(H, C) 的权重，采用 torch 的布局：w1 (H, D)、b1 (H,)、
    w2 (C, H)、b2 (C,)；lr 为学习率。
返回 (loss, w1_new, b1_new, w2_new, b2_new)：在更新*之前*计算的这批数据的平均交叉熵
    （浮点数），以及一步普通 SGD 之后的四个参数。
数学：a = x w1^T + b1,  h = relu(a),  z = h w2^T + b2,  p = softmax(z)（逐行）,
    loss = -(1/N) sum_i log p[i, labels_i]
    dz = (p - onehot(labels)) / N;  dw2 = dz^T h;  db2 = sum_i dz_i;  dh = dz w2
    da = dh * [a > 0];  dw1 = da^T x;  db1 = sum_i da_i;   w <- w - lr * dw（每个参数）
提示：dz 可以复用你的 softmax_cross_entropy_backward。偏置的梯度在批量上*求和*
    （1/N 已经包含在 dz 里）。
PyTorch：model = nn.Sequential(nn.Linear(D, H), nn.ReLU(), nn.Linear(H, C))，使用这些权重；
    opt = torch.optim.SGD(model.parameters(), lr); loss = F.cross_entropy(model(x), labels);
    opt.zero_grad(); loss.backward(); opt.step()
""",
    "accuracy_and_confusion": """\
分类器的预测有多好：top-1 准确率和混淆矩阵。

输入：logits (N, C) 浮点数，每个样本一行类别分数；labels (N,)，取值在 [0, num_classes)
    的整数；num_classes = C。
返回 (accuracy, confusion)：accuracy，预测类别（该行的 argmax；并列时取*第一个*最大值，
    与 torch.argmax 相同）等于标签的样本比例，是 [0, 1] 中的浮点数；confusion，形状为
    (num_classes, num_classes) 的整数矩阵，confusion[t, p] 统计真实类别为 t、被预测为 p
    的样本数。
数学：pred_i = argmax_j logits[i, j];  accuracy = (1/N) sum_i [pred_i == labels_i];
    confusion[t, p] = #{i : labels_i = t 且 pred_i = p}；对角线是预测正确的样本。
提示：np.bincount(labels * C + pred, minlength=C * C).reshape(C, C) 一次统计所有组合；
    某个类别从未出现时 minlength 保证形状不变。
PyTorch：pred = logits.argmax(1); (pred == labels).float().mean();
    torch.bincount(labels * C + pred, minlength=C * C).reshape(C, C)
""",
    "random_crop_flip": """\
CIFAR-10 训练时对一个批次做的数据增强，随机抽取的结果作为输入给出。

输入：images (N, C, H, W)；padding >= 0；offsets (N, 2) 整数，offsets[n] = (top, left)，
    各自属于 [0, 2 * padding]；flips (N,) 布尔值。
返回：(N, C, H, W)，与输入大小相同。对每张图像 n：四周各补 `padding` 个零
    （大小变为 H + 2p 乘 W + 2p），裁出左上角在 (top, left) 的 H x W 窗口，然后若
    flips[n] 为真，再做左右镜像。
数学：out[n, c, i, j] = padded[n, c, top + i, left + j']，flips[n] 时 j' = W - 1 - j，
    否则 j' = j。
提示：np.pad(images, ((0, 0), (0, 0), (p, p), (p, p))) 补零；x[..., ::-1] 镜像最后一个轴
    （宽度）。先裁剪再翻转：offsets 指的是补零后的图像。
PyTorch：torchvision.transforms.RandomCrop(H, padding=p) 然后 RandomHorizontalFlip()；
    抽样结果固定时：F.crop(F.pad(img, [p], fill=0), top, left, H, W)，再 F.horizontal_flip
    （torchvision.transforms.v2.functional as F）
""",
    "build_vocab": """\
文本分类器的词表，以及一个句子在词表下的下标。

输入：texts，分好词的训练文本（字符串列表的列表）；min_count >= 1；query，要编码的
    分好词的句子。
返回 (itos, ids)：itos，按下标排列的词列表："<pad>" 在 0，"<unk>" 在 1，然后是每个至少出现
    min_count 次的词，词频高的在前，词频相同按字母顺序；ids，query 中每个词的下标
    （int64 数组），不在 itos 中的词为 1（"<unk>"）。
数学：count(w) = w 在所有文本中出现的次数；当且仅当 count(w) >= min_count 时保留 w；
    按 (-count(w), w) 排序。
提示：collections.Counter 计数；sorted(kept, key=lambda w: (-counts[w], w)) 排序。
    填充下标必须是 0：批次用 0 填充，nn.Embedding(padding_idx=0)。
PyTorch：没有 torch 函数（torchtext 已停止维护）；本项目自己的实现是
    projects.common.vocab.Vocab.build(texts, min_freq)（itos、encode）。
""",
    "pad_and_sort": """\
把长度不同的词序列做成一个 (B, T) 批次，最长的在前，这正是
pack_padded_sequence(enforce_sorted=True) 所要求的。

输入：sequences，B 个一维整数数组（词的下标），每个长度 >= 1；pad_value。
返回 (padded, lengths, order)：order (B,)，从最长到最短的序列下标，长度相同的保持原来的
    顺序（稳定排序）；padded (B, T) int64，T 为最长的长度，第 r 行 = sequences[order[r]]，
    后面用 pad_value 补到 T（在右侧填充）；lengths (B,)，padded 每一行的长度。
数学：order = -length 的稳定 argsort；padded[r, t] = sequences[order[r]][t]
    （t < lengths[r] 时），否则为 pad_value。
提示：np.argsort(-lengths, kind="stable")；np.argsort(lengths)[::-1] 会颠倒长度相同的序列。
PyTorch：lengths, order = torch.sort(torch.tensor(lens), descending=True, stable=True);
    torch.nn.utils.rnn.pad_sequence([seqs[i] for i in order], batch_first=True,
    padding_value=pad_value)
""",
    "birnn_pool": """\
从在打包、填充后的批次上运行的双向 LSTM 得到句子特征。

输入：out (B, T, 2H)，nn.LSTM(bidirectional=True) 经 pad_packed_sequence 之后填充的输出
    （batch_first）：out[b, t, :H] 是正向在第 t 步的输出，out[b, t, H:] 是反向的；
    t >= lengths[b] 的步是填充（零）。
    h_n (2 * num_layers, B, H)，最终隐藏状态，逐层排列，先正向后反向：
    h_n[2 * layer + direction]。lengths (B,)，整数 >= 1。
返回 (final, mean, max)，每个都是 (B, 2H)：
    final = [*最后一层*正向的最终状态, 最后一层反向的最终状态]；
    mean = out 在每个序列真实步（t < lengths[b]）上的平均；
    max = out 在真实步上的最大值。
数学：final[b] = concat(h_n[-2, b], h_n[-1, b])；正向在 t = len - 1 处结束，反向在 t = 0 处
    结束，所以 final[b] 也等于 concat(out[b, len - 1, :H], out[b, 0, H:])。
    mean[b] = (1 / len) sum_{t < len} out[b, t];   max[b] = max_{t < len} out[b, t]。
提示：掩码 (np.arange(T)[None, :] < lengths[:, None])；求最大值时在填充处放 -inf
    （真实值可能全是负数）。对每个较短的序列，out[:, -1] 都是填充。
PyTorch：torch.cat([h_n[-2], h_n[-1]], 1); (out * mask).sum(1) / lengths[:, None];
    out.masked_fill(~mask, -inf).amax(1)
""",
}
