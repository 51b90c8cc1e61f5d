"""The bug zoo: convolutions as users write them, right ones and wrong ones, in plain numpy.

Every function takes ``(x, w, stride=1, padding=0, dilation=1, groups=1)`` in PyTorch layouts, so
the CLI's ``--pass-options`` can call them (``tests.zoo.right:conv2d_loops``).  None of them uses
symconv: they are the code symconv has to judge.
"""
