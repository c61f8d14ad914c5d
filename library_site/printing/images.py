"""Pictures on printed things (photos, logos): flattened on white, cropped to a box."""

from PIL import Image

WHITE = (255, 255, 255)


def on_white(image: Image.Image) -> Image.Image:
    """``image`` as RGB, any transparency composed over a white ground."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        ground = Image.new("RGBA", rgba.size, WHITE + (255,))
        ground.alpha_composite(rgba)
        return ground.convert("RGB")
    return image if image.mode == "RGB" else image.convert("RGB")


def cover_crop(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` cropped to the aspect ratio of ``size`` and resized to it. Too wide, it
    keeps the middle; too tall, the upper part (where a face is in a portrait)."""
    width, height = image.size
    target = size[0] / size[1]
    if width / height > target:  # too wide: keep the middle
        crop_width = height * target
        left = (width - crop_width) / 2
        box = (left, 0, left + crop_width, height)
    else:  # too tall: keep the upper part, where the face is
        crop_height = width / target
        top = (height - crop_height) * 0.35
        box = (0, top, width, top + crop_height)
    return image.resize(size, Image.Resampling.BICUBIC, box=box, reducing_gap=2.0)
