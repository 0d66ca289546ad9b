"""NumPy reference of VisualMemory.Embedding.Preprocessing.ImageTensor (torchvision's CenterCrop,
ToTensor and Normalize, written out): reads an HxWx3 uint8 .npy, writes the 3xCxC float32 tensor."""
import json
import sys

import numpy as np

image = np.load(sys.argv[1])
spec = json.loads(sys.argv[2])
crop = spec["crop"]
height, width, _ = image.shape
top = int(round((height - crop) / 2.0))
left = int(round((width - crop) / 2.0))
patch = image[top:top + crop, left:left + crop, :].astype(np.float32) / np.float32(255)
if spec["bgr"]:
    patch = patch[:, :, ::-1]
mean = np.array(spec["mean"], dtype=np.float32)
std = np.array(spec["std"], dtype=np.float32)
tensor = ((patch - mean) / std).transpose(2, 0, 1).astype(np.float32)
np.save(sys.argv[3], np.ascontiguousarray(tensor.reshape(1, -1)))
