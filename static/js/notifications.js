// Live notifications: filled in by the notifications feature.
