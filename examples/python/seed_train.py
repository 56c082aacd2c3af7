# The seed's training script, run by runhook instead of W&B. Two changes from the seed:
#   1. `import wandb` became `import runhook as wandb`.
#   2. MNIST became a synthetic dataset of the same shape (60,000 images of 1x28x28, labels 0-9),
#      because this machine has no network to download MNIST from. The labels follow a fixed
#      rule of the pixels, so the loss goes down as it would on real data.
# To train on real MNIST instead: `apt-get install python3-torchvision` (or pip install
# torchvision), put back the seed's lines
#     from torchvision import datasets, transforms
#     transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
#     train_dataset = datasets.MNIST('./data', train=True, download=True, transform=transform)
# in place of the synthetic dataset below, and run with network access once (the download is
# cached in ./data).
#
# Run it: build/bin/runhook server &   then   PYTHONPATH=build/python /usr/bin/python3 examples/python/seed_train.py
# (set RUNHOOK_URL for a server elsewhere; the hook's URL is the seed's placeholder: point it
# at `runhook listen` to see the body arrive).
import runhook as wandb
import torch
import torch.nn as nn
import torch.optim as optim

# --- W&B Initialization ---
run = wandb.init(
    project="webhook-demo",
    job_type="training",
    config={
        "learning_rate": 0.001,
        "epochs": 3,
        "batch_size": 64
    },
    # This is where the webhook magic happens!
    # We're telling W&B to send a POST request to this URL
    # when the run finishes.
    hooks=[
        wandb.hook(
            run_state="finished",
            url="https://example.com/my-webhook-receiver",
            method="POST",

            body='{"event": "wandb_run_finished", "run_id": "{{run.id}}", "project": "{{run.project.name}}", "run_url": "{{run.url}}"}'

        )
    ]
)

# --- Model Definition (Standard PyTorch) ---
class SimpleNN(nn.Module):
    def __init__(self):
        super(SimpleNN, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 128)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = self.fc1(x)
        x = self.relu(x)
        x = self.fc2(x)
        return x

# --- Data Loading ---
# Synthetic stand-in for MNIST (see the top of the file): same shapes and normalization.
generator = torch.Generator().manual_seed(0)
images = torch.randn(60000, 1, 28, 28, generator=generator)
labels = (images.view(60000, -1) @ torch.randn(28 * 28, 10, generator=generator)).argmax(dim=1)
train_dataset = torch.utils.data.TensorDataset(images, labels)
train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=run.config.batch_size, shuffle=True)

# --- Training Setup ---
model = SimpleNN()
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=run.config.learning_rate)

# --- Training Loop ---
for epoch in range(run.config.epochs):
    for i, (images, labels) in enumerate(train_loader):
        outputs = model(images)
        loss = criterion(outputs, labels)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        # Log metrics to W&B
        wandb.log({"loss": loss.item(), "epoch": epoch})

        if (i + 1) % 100 == 0:
            print(f'Epoch [{epoch+1}/{run.config.epochs}], Step [{i+1}/{len(train_loader)}], Loss: {loss.item():.4f}')

# --- Finish Run ---
# When this line is executed, W&B detects the 'finished' state
# and triggers the webhook defined in wandb.init().
wandb.finish()
