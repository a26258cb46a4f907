"""The reference networks in PyTorch, written from the reference implementation's description
(junyanz/pytorch-CycleGAN-and-pix2pix networks.py: same layers, same order, same state_dict keys),
plus Pigment's sa_unet (the U-Net with a SAGAN block after the decoder blocks at chosen sizes).
Used by check_against_torch.py to load Pigment checkpoints into PyTorch."""
import torch
import torch.nn as nn


def norm_layer(kind, c):
    if kind == "batch":
        return nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    if kind == "instance":
        return nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
    return nn.Identity()


class ResnetBlock(nn.Module):
    def __init__(self, dim, norm, dropout, bias):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim), nn.ReLU(True)]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=bias), norm_layer(norm, dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, ngf, norm, dropout, n_blocks):
        super().__init__()
        bias = norm != "batch"
        m = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, bias=bias), norm_layer(norm, ngf), nn.ReLU(True)]
        for i in range(2):
            c = ngf * 2 ** i
            m += [nn.Conv2d(c, 2 * c, 3, 2, 1, bias=bias), norm_layer(norm, 2 * c), nn.ReLU(True)]
        m += [ResnetBlock(4 * ngf, norm, dropout, bias) for _ in range(n_blocks)]
        for i in range(2):
            c = ngf * 2 ** (2 - i)
            m += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=bias), norm_layer(norm, c // 2),
                  nn.ReLU(True)]
        m += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
        self.model = nn.Sequential(*m)

    def forward(self, x):
        return self.model(x)


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.query, self.key, self.value = nn.Conv2d(c, c // 8, 1), nn.Conv2d(c, c // 8, 1), nn.Conv2d(c, c, 1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        b, c, h, w = x.shape
        q = self.query(x).flatten(2).transpose(1, 2)
        k = self.key(x).flatten(2)
        attn = torch.softmax(torch.bmm(q, k), dim=-1)
        v = self.value(x).flatten(2)
        return self.gamma * torch.bmm(v, attn.transpose(1, 2)).view(b, c, h, w) + x


class UnetBlock(nn.Module):
    def __init__(self, outer, inner, input_nc=None, sub=None, outermost=False, innermost=False, norm="batch",
                 dropout=False, attention=False):
        super().__init__()
        self.outermost = outermost
        bias = norm != "batch"
        input_nc = outer if input_nc is None else input_nc
        down = nn.Conv2d(input_nc, inner, 4, 2, 1, bias=bias)
        if outermost:
            model = [down, sub, nn.ReLU(True), nn.ConvTranspose2d(2 * inner, outer, 4, 2, 1), nn.Tanh()]
        elif innermost:
            model = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias),
                     norm_layer(norm, outer)]
        else:
            model = [nn.LeakyReLU(0.2, True), down, norm_layer(norm, inner), sub, nn.ReLU(True),
                     nn.ConvTranspose2d(2 * inner, outer, 4, 2, 1, bias=bias), norm_layer(norm, outer)]
            if dropout:
                model.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*model)
        self.attention = SelfAttention(2 * outer) if attention else None

    def forward(self, x):
        if self.outermost:
            return self.model(x)
        # Not in place: the reference's LeakyReLU(inplace) would also change x, which the parent's
        # ReLU makes harmless; here x is kept as is, as in Pigment.
        y = torch.cat([x, self.model(x.clone())], 1)
        return self.attention(y) if self.attention is not None else y


class UnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, num_downs, ngf, norm, dropout, attention_at=()):
        super().__init__()
        depth = num_downs

        def att(d):
            return d > 1 and (1 << (d - 1)) in attention_at

        b = UnetBlock(8 * ngf, 8 * ngf, innermost=True, norm=norm, attention=att(depth))
        for _ in range(num_downs - 5):
            depth -= 1
            b = UnetBlock(8 * ngf, 8 * ngf, sub=b, norm=norm, dropout=dropout, attention=att(depth))
        for outer in (4 * ngf, 2 * ngf, ngf):
            depth -= 1
            b = UnetBlock(outer, 2 * outer, sub=b, norm=norm, attention=att(depth))
        self.model = UnetBlock(output_nc, ngf, input_nc=input_nc, sub=b, outermost=True, norm=norm)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf, n_layers, norm):
        super().__init__()
        bias = norm != "batch"
        m = [nn.Conv2d(input_nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            prev, mult = mult, min(2 ** n, 8)
            m += [nn.Conv2d(ndf * prev, ndf * mult, 4, 2, 1, bias=bias), norm_layer(norm, ndf * mult),
                  nn.LeakyReLU(0.2, True)]
        prev, mult = mult, min(2 ** n_layers, 8)
        m += [nn.Conv2d(ndf * prev, ndf * mult, 4, 1, 1, bias=bias), norm_layer(norm, ndf * mult),
              nn.LeakyReLU(0.2, True), nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*m)

    def forward(self, x):
        return self.model(x)


class PixelDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf, norm):
        super().__init__()
        bias = norm != "batch"
        self.net = nn.Sequential(nn.Conv2d(input_nc, ndf, 1), nn.LeakyReLU(0.2, True),
                                 nn.Conv2d(ndf, 2 * ndf, 1, bias=bias), norm_layer(norm, 2 * ndf),
                                 nn.LeakyReLU(0.2, True), nn.Conv2d(2 * ndf, 1, 1, bias=bias))

    def forward(self, x):
        return self.net(x)


def build(spec):
    """A network from a case description written by tests/torch_crosscheck.cpp."""
    arch, norm = spec["arch"], spec["norm"]
    if arch.startswith("resnet_"):
        return ResnetGenerator(spec["input_nc"], spec["output_nc"], spec["ngf"], norm, spec["dropout"],
                               9 if arch == "resnet_9blocks" else 6)
    if "unet_" in arch:
        attention = arch.startswith("sa_")
        return UnetGenerator(spec["input_nc"], spec["output_nc"], spec["depth"], spec["ngf"],
                             "instance" if attention else norm, spec["dropout"],
                             tuple(spec["attention_at"]) if attention else ())
    if arch in ("basic", "n_layers"):
        return NLayerDiscriminator(spec["input_nc"], spec["ndf"], 3 if arch == "basic" else spec["n_layers"], norm)
    if arch == "pixel":
        return PixelDiscriminator(spec["input_nc"], spec["ndf"], norm)
    raise ValueError(f"unknown architecture {arch}")
