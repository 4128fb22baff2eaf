# ETL inference: predicted -ICOHP of every bond of large structures.


def inference_targets():
    return []
