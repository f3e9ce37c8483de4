"""Chinese (中文): the self-check's messages, exercise titles, descriptions and hints.

Each table maps the English text (as written in the code) or an exercise's name to Chinese.
`tests/selfcheck/test_language.py` checks that nothing is missing.
"""

MESSAGES: dict[str, str] = {}

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

HINTS: dict[str, str] = {}

DESCRIPTIONS: dict[str, str] = {}
